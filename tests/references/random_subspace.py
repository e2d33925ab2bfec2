"""NumPy references for the random projections of "Measuring the Intrinsic
Dimension of Objective Landscapes" (Li et al., arXiv 1804.08838), written
as explicit matrices; no keras here."""

import numpy as np


def np_hadamard(length):
    """The Sylvester Hadamard matrix, built by the Kronecker recursion
    H_2n = [[H_n, H_n], [H_n, -H_n]]."""
    matrix = np.ones((1, 1))
    while matrix.shape[0] < length:
        matrix = np.block([[matrix, matrix], [matrix, -matrix]])
    return matrix


def np_fastfood_matrix(signs, permutation, gaussian, output_dim, dimension):
    """The `(D, d)` Fastfood matrix: the first D rows and d columns of
    H G Π H B, divided by sqrt(D) ||G|| (the authors' normalisation)."""
    length = len(signs)
    hadamard = np_hadamard(length)
    permute = np.zeros((length, length))
    permute[np.arange(length), permutation] = 1.0  # (Π v)_i = v_perm(i)
    full = (hadamard @ np.diag(gaussian) @ permute @ hadamard
            @ np.diag(signs))
    scale = np.sqrt(output_dim) * np.linalg.norm(gaussian)
    return full[:output_dim, :dimension] / scale


def np_sparse_matrix(rows, columns, values, output_dim, dimension):
    """The dense `(D, d)` matrix of the listed non-zero entries."""
    matrix = np.zeros((output_dim, dimension))
    np.add.at(matrix, (rows, columns), values)
    return matrix
