"""Reading and advancing the state of the SAM variants that remember
something between steps (`LookSAM`, `FriendlySAM`): the step count and the
one slot per trainable variable made by `add_step_state`."""


def positions(wrapper):
    """Where the step count and the slots sit among the `non_trainable`
    values of `compute_gradients`: `(step_position, slot_positions)`."""
    step_position, *slot_positions = wrapper.state_positions(
        [wrapper.step_count, *wrapper.slots]
    )
    return step_position, slot_positions


def advance(aux, non_trainable, step_position, new_slots):
    """The first pass's `aux` with the step count incremented and slots
    replaced: `new_slots` maps a slot's position to its new value."""
    loss, y_pred, new_non_trainable, new_metrics = aux
    new_non_trainable = list(new_non_trainable)
    new_non_trainable[step_position] = non_trainable[step_position] + 1
    for position, value in new_slots.items():
        new_non_trainable[position] = value
    return loss, y_pred, new_non_trainable, new_metrics
