"""Defensive distillation as one Keras model: a student network trained on
the soft labels of a teacher of the same architecture."""

import keras
from keras import ops

from kerastricks.recipes.layers import PACKAGE
from kerastricks.utils import validation


@keras.saving.register_keras_serializable(package=PACKAGE)
class DistilledStudent(keras.Model):
    """The student of defensive distillation, holding its teacher.

    Papernot et al. ("Distillation as a Defense to Adversarial
    Perturbations against Deep Neural Networks", arXiv 1511.04508) train a
    teacher with a softmax at temperature T on the labels, then a student
    of the same architecture at the same T on the teacher's probabilities
    `softmax(z_teacher / T)`, and deploy the student at T = 1, where its
    logits are about T times larger and its softmax saturated.

    `train_teacher(x, y, ...)` runs the first stage; `fit` then trains the
    student (the labels `y` only feed the metrics). Calling the model gives
    the student's logits at T = 1. The teacher's weights are saved with the
    model (frozen after its stage), so a resumed run needs no teacher stage.

    Args:
        student: a `keras.Model` returning logits.
        teacher: a `keras.Model` of the same outputs.
        temperature: float > 0, T. Defaults to `20.0`, within the paper's
            best range on MNIST (T = 20 to 100).
    """

    def __init__(self, student, teacher, temperature=20.0, **kwargs):
        super().__init__(**kwargs)
        self.student = student
        self.teacher = teacher
        self.temperature = validation.check_positive("temperature",
                                                     temperature)
        self.teacher.trainable = False

    def call(self, inputs, training=None):
        return self.student(inputs, training=training)

    def train_teacher(self, x, y=None, **fit_options):
        """Trains the teacher with a softmax at temperature T."""
        self.teacher.trainable = True
        tempered = keras.Model(
            self.teacher.inputs,
            keras.layers.Rescaling(1.0 / self.temperature)(
                self.teacher.outputs[0]))
        tempered.compile(
            optimizer=type(self.optimizer).from_config(
                self.optimizer.get_config()),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        history = tempered.fit(x, y, **fit_options)
        self.teacher.trainable = False
        return history

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                     training=True):
        soft_labels = ops.softmax(
            ops.stop_gradient(self.teacher(x, training=False))
            / self.temperature)
        per_example = keras.losses.categorical_crossentropy(
            soft_labels, y_pred / self.temperature, from_logits=True)
        if sample_weight is not None:
            per_example = per_example * ops.cast(
                ops.reshape(sample_weight, (-1,)), per_example.dtype)
        return ops.mean(per_example)

    def get_config(self):
        config = super().get_config()
        config.update({
            "student": keras.saving.serialize_keras_object(self.student),
            "teacher": keras.saving.serialize_keras_object(self.teacher),
            "temperature": self.temperature,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        student, teacher = (
            keras.saving.deserialize_keras_object(
                config.pop(name), custom_objects=custom_objects)
            for name in ("student", "teacher"))
        return cls(student, teacher, **config)
