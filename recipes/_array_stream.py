"""`EndlessArrayStream`: the base of the recipes' endless `PyDataset`s over
in-memory training arrays."""

import keras


class EndlessArrayStream(keras.utils.PyDataset):
    """An endless stream of batches drawn from the training arrays
    `(x, y)`, which it exposes through `arrays()` for the code that needs
    the whole training set; subclasses say which batch each step gets."""

    def __init__(self, x, y):
        super().__init__()
        self.x = x
        self.y = y

    @property
    def num_batches(self):
        return None

    def arrays(self):
        """The whole training set, `(x, y)`."""
        return self.x, self.y
