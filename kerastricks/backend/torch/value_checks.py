from kerastricks.backend.value_checks import invalid_values_error


def checked_values(valid, values, message):
    # `torch.compile` breaks the graph at the host copy and runs the check
    # eagerly, so it raises in compiled steps as well.
    error = invalid_values_error(valid.detach().cpu().numpy(),
                                 values.detach().cpu().numpy(), message)
    if error is not None:
        raise error
    return values
