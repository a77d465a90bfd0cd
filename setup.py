"""Builds Lantern's compiled modules, ``nlp/matching.pyx``, ``nlp/scan.pyx`` and
``nlp/wordscore.pyx``
(everything else is in pyproject.toml). ``matching`` reads spaCy's C structs, so it must
be compiled against the spaCy that runs it: ``make install`` builds in place, without
build isolation."""

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [
            Extension(
                "nlp.matching",
                ["nlp/matching.pyx"],
                include_dirs=[numpy.get_include()],
                language="c++",  # spaCy's headers are C++
            ),
            Extension("nlp.scan", ["nlp/scan.pyx"]),
            Extension(
                "nlp.wordscore",
                ["nlp/wordscore.pyx"],
                include_dirs=[numpy.get_include()],
                language="c++",
            ),
        ],
        quiet=True,
    )
)
