# Types for the compiled nlp/wordscore.pyx.
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from spacy.tokens import Doc

class Scored:
    passed: list[int]
    def triggers(self, column: int, count: int) -> list[tuple[int, int, float]]: ...

class WordScorer:
    def __init__(
        self,
        weights: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float32],
        cutoff: npt.NDArray[np.float32],
        categories: int,
        pair_rows: dict[tuple[int, int], int],
        resolve: Callable[[int], tuple[int, int, int]],
        limit: int = 500_000,
    ) -> None: ...
    def score(self, doc: Doc) -> Scored | None: ...
