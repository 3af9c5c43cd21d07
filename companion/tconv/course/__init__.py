"""The course's toolkit: what the book computes, draws and animates with tconv.

It imports the operator library (:mod:`tconv`), never the reverse, and needs matplotlib
(ipywidgets for the live explorers, scikit-learn for its photographs):
``pip install "tconv[course]"``. One idea per module:

- :mod:`~tconv.course.worked_example`: the 3x3 kernel on a 4x4 image, its matrices as data.
- :mod:`~tconv.course.toeplitz`: the doubly block Toeplitz structure of a convolution's matrix.
- :mod:`~tconv.course.single_channel`: convolution, transposed convolution and zero insertion
  on plain 2-D arrays, one kernel tap at a time.
- :mod:`~tconv.course.channels`: a layer with channels as one stamp per channel pair.
- :mod:`~tconv.course.relationships`: Dumoulin & Visin's size relationships, as data.
- :mod:`~tconv.course.recovery`: the least-squares input of a convolution, without its matrix.
- :mod:`~tconv.course.images`: scikit-learn's sample photographs as grey arrays.
- :mod:`~tconv.course.steps`: the scatter and gather computations, one step at a time.
- :mod:`~tconv.course.figures`: matrix heat maps, value grids and the other static figures.
- :mod:`~tconv.course.step_frames`: pictures of the steps.
- :mod:`~tconv.course.players`: pictures as PNG, GIF and self-contained HTML players.
- :mod:`~tconv.course.explorer`: the stride-and-padding explorer (static player and widget).
- :mod:`~tconv.course.gradients`: finite differences and the weight gradient tap by tap;
  :mod:`~tconv.course.gradient_figures`: the weight gradient in pictures.
- :mod:`~tconv.course.checkerboard`: overlap counts and resize-convolution, in numbers;
  :mod:`~tconv.course.checkerboard_figures`: the same in pictures.
- :mod:`~tconv.course.bench_figures`: the benchmark report's charts.
"""
