import keras

import kerastricks
from kerastricks import testing
from kerastricks.utils import mup_variable_roles


def _transformer_block(width):
    inputs = keras.Input((5,), dtype="int32")
    x = keras.layers.Embedding(11, width)(inputs)
    x = kerastricks.layers.MuMultiHeadAttention(
        2, width // 2, base_key_dim=4)(x, x)
    return keras.Model(inputs, kerastricks.layers.MuReadout(
        11, base_input_dim=8)(x))


class MupVariableRolesTest(testing.TestCase):
    def test_transformer_roles(self):
        roles = mup_variable_roles(_transformer_block(32),
                                   _transformer_block(8))
        observed = [(role, ratio_in, ratio_out)
                    for role, ratio_in, ratio_out in roles.values()]
        self.assertEqual(observed, [
            ("input", 1.0, 4.0),  # embeddings (11, width)
            ("hidden", 4.0, 4.0), ("input", 1.0, 4.0),  # query
            ("hidden", 4.0, 4.0), ("input", 1.0, 4.0),  # key
            ("hidden", 4.0, 4.0), ("input", 1.0, 4.0),  # value
            ("hidden", 4.0, 4.0), ("input", 1.0, 4.0),  # output projection
            ("output", 4.0, 1.0), ("finite", 1.0, 1.0),  # readout
        ])

    def test_invalid_args(self):
        with self.assertRaisesRegex(TypeError, "`model` must be a keras"):
            mup_variable_roles("model", _transformer_block(8))
        small = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        with self.assertRaisesRegex(ValueError, "same architecture"):
            mup_variable_roles(small, _transformer_block(8))
