from kerastricks.utils import validation
