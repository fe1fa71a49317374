# Argument checks shared by the kernel modules. Each compiled def checks its arguments with these
# inline helpers (no extra Python frame on the hot path), then hands raw pointers to the C
# kernels. Error paths build their messages here so that every kernel words them the same way.
cimport numpy as cnp
from libc.float cimport FLT_MAX
from libc.math cimport INFINITY, fabs, isfinite
from libc.string cimport memcpy

from _kernels cimport pk_format, PK_I16, PK_I32, PK_F32, PK_F64

# Sets of sample formats, as bit masks over pk_format (PK_I16 = 0 ... PK_F64 = 3).
cdef enum:
    FLOATS = (1 << 2) | (1 << 3)
    ANY_FORMAT = 0b1111

# Below this many samples a kernel keeps the GIL: releasing and taking it back costs more than
# the work itself (numpy's ufuncs draw the same line, at 500 elements).
cdef enum:
    NOGIL_MIN_SAMPLES = 2048

# Gains for up to this many channels are parsed into a buffer on the caller's stack.
cdef enum:
    GAIN_BUFFER = 64

cdef struct Audio:
    char *data
    Py_ssize_t frames
    Py_ssize_t channels
    pk_format format


cdef inline int sample_format(cnp.ndarray a) noexcept:
    """The pk_format of a's dtype, or -1 where the kernels do not take it."""
    cdef char kind = (<cnp.dtype>cnp.PyArray_DESCR(a)).kind
    cdef Py_ssize_t size = cnp.PyArray_ITEMSIZE(a)
    if not cnp.PyArray_ISNOTSWAPPED(a):
        return -1
    if kind == b'f':
        return PK_F32 if size == 4 else PK_F64 if size == 8 else -1
    if kind == b'i':
        return PK_I16 if size == 2 else PK_I32 if size == 4 else -1
    return -1


cdef inline int typenum(pk_format fmt) noexcept:
    if fmt == PK_I16:
        return cnp.NPY_INT16
    if fmt == PK_I32:
        return cnp.NPY_INT32
    if fmt == PK_F32:
        return cnp.NPY_FLOAT32
    return cnp.NPY_FLOAT64


cdef inline str format_names(int formats):
    names = [n for i, n in enumerate(("int16", "int32", "float32", "float64")) if formats >> i & 1]
    return " or ".join(names)


cdef inline str describe(object x):
    """'float32 array shaped (64, 2)', as error messages show what they received."""
    if cnp.PyArray_Check(x):
        return f"{x.dtype} array shaped {x.shape}"
    return type(x).__name__


cdef inline int audio_arg(object x, str func, str name, int formats, Audio *a) except -1:
    """Check that x is an audio array a kernel takes, (frames,) or (frames, channels) in one of
    `formats`, C-contiguous and aligned; describe it in *a."""
    if not cnp.PyArray_Check(x):
        raise TypeError(f"{func}() {name}: expected a numpy array, got {describe(x)}")
    cdef cnp.ndarray arr = <cnp.ndarray>x
    cdef int fmt = sample_format(arr)
    if fmt < 0 or not (formats >> fmt) & 1:
        raise TypeError(f"{func}() {name}: expected dtype {format_names(formats)} "
                        f"(native byte order), got {describe(x)}")
    cdef int nd = cnp.PyArray_NDIM(arr)
    if nd == 1:
        a.frames = cnp.PyArray_DIM(arr, 0)
        a.channels = 1
    elif nd == 2:
        a.frames = cnp.PyArray_DIM(arr, 0)
        a.channels = cnp.PyArray_DIM(arr, 1)
    else:
        raise ValueError(f"{func}() {name}: expected shape (frames,) or (frames, channels), "
                         f"got {describe(x)}")
    check_layout(arr, func, name)
    a.data = cnp.PyArray_BYTES(arr)
    a.format = <pk_format>fmt
    return 0


cdef inline int check_layout(cnp.ndarray arr, str func, str name) except -1:
    cdef int need = cnp.NPY_ARRAY_C_CONTIGUOUS | cnp.NPY_ARRAY_ALIGNED
    if cnp.PyArray_FLAGS(arr) & need != need:
        raise ValueError(f"{func}() {name}: expected a C-contiguous, aligned array, got a "
                         f"strided view {describe(arr)} (numpy.ascontiguousarray makes one)")
    return 0


cdef inline cnp.ndarray out_arg(object out, str func, int nd, cnp.npy_intp *dims, pk_format fmt):
    """`out` checked to be a writeable C-contiguous array of this shape and format, or a new
    array when out is None."""
    if out is None:
        return cnp.PyArray_EMPTY(nd, dims, typenum(fmt), 0)
    if not cnp.PyArray_Check(out) or sample_format(<cnp.ndarray>out) != <int>fmt:
        raise TypeError(f"{func}() out: expected a {format_names(1 << fmt)} array shaped "
                        f"{shape_of(nd, dims)}, got {describe(out)}")
    cdef cnp.ndarray arr = <cnp.ndarray>out
    cdef int i
    cdef bint same_shape = cnp.PyArray_NDIM(arr) == nd
    for i in range(nd if same_shape else 0):
        same_shape = same_shape and cnp.PyArray_DIM(arr, i) == dims[i]
    if not same_shape:
        raise ValueError(f"{func}() out: expected a {format_names(1 << fmt)} array shaped "
                         f"{shape_of(nd, dims)}, got {describe(out)}")
    check_layout(arr, func, "out")
    if not cnp.PyArray_ISWRITEABLE(arr):
        raise ValueError(f"{func}() out: the array is read-only")
    return arr


cdef inline tuple shape_of(int nd, cnp.npy_intp *dims):
    return tuple([dims[i] for i in range(nd)])


cdef enum Overlap:
    DISJOINT = 0
    SAME_PLACE = 1
    PARTIAL = 2


cdef inline Overlap overlap(char *x0, Py_ssize_t nbytes, cnp.ndarray out) noexcept:
    """How the nbytes at x0 share memory with out."""
    cdef char *o0 = cnp.PyArray_BYTES(out)
    cdef char *o1 = o0 + cnp.PyArray_NBYTES(out)
    if not (x0 < o1 and o0 < x0 + nbytes):
        return DISJOINT
    return SAME_PLACE if x0 == o0 and x0 + nbytes == o1 else PARTIAL


cdef inline int check_overlap(cnp.ndarray x, cnp.ndarray out, bint same_place_ok, str func,
                              str name) except -1:
    """Refuse an `out` that shares memory with x, except (where the kernel works in place) one
    that is exactly x's memory."""
    cdef Overlap o = overlap(cnp.PyArray_BYTES(x), cnp.PyArray_NBYTES(x), out)
    if o == PARTIAL or (o == SAME_PLACE and not same_place_ok):
        raise_overlap(func, name, same_place_ok)
    return 0


cdef inline int raise_overlap(str func, str name, bint same_place_ok) except -1:
    allowed = f" (only {name} itself is allowed)" if same_place_ok else ""
    raise ValueError(f"{func}() out: overlaps {name} in memory{allowed}")


cdef inline bint is_real(object value):
    """Whether value is a real number: a Python or numpy int or float, or any numbers.Real;
    not a bool, a string or a numpy timedelta."""
    if type(value) is float or type(value) is int:
        return True
    import numbers
    if isinstance(value, bool) or type(value).__name__ in ("bool", "bool_", "timedelta64"):
        return False
    return isinstance(value, numbers.Real)


cdef inline int check_finite(cnp.ndarray values, str func, str name,
                             double most=INFINITY) except -1:
    """values: a C-contiguous float64 array, each finite and within +-most."""
    cdef double *v = <double *>cnp.PyArray_DATA(values)
    cdef Py_ssize_t i
    for i in range(cnp.PyArray_SIZE(values)):
        if not isfinite(v[i]):
            raise ValueError(f"{func}() {name}: expected finite values, got {v[i]} "
                             f"at index {i}")
        if fabs(v[i]) > most:
            raise ValueError(f"{func}() {name}: expected gains within +-{most:.8g} (what the "
                             f"audio's float32 holds), got {v[i]:g} at index {i}")
    return 0


cdef inline double most_gain(pk_format fmt) noexcept:
    """The largest gain for audio of this format: what its samples hold."""
    return FLT_MAX if fmt == PK_F32 else INFINITY


cdef inline bint flag_arg(object value, str func, str name) except -1:
    """True or False (a Python or numpy bool; not 1, not a string)."""
    if value is True or value is False:
        return value
    if type(value).__name__ in ("bool", "bool_") and hasattr(value, "dtype"):
        return bool(value)
    raise TypeError(f"{func}() {name}: expected True or False, got {describe(value)}")


cdef inline double number_arg(object value, str func, str name, double most=INFINITY
                              ) except? -1.0:
    """A finite float from a Python or numpy real number (not a bool, not a string) within
    +-most."""
    cdef double v
    if type(value) is float:
        v = value
    else:
        if not (is_real(value) or (cnp.PyArray_Check(value) and cnp.PyArray_NDIM(value) == 0
                                   and value.dtype.kind in "iuf")):
            raise TypeError(f"{func}() {name}: expected a number, got {describe(value)}")
        try:
            v = float(value)
        except OverflowError:
            v = INFINITY
        except (TypeError, ValueError):  # (numpy's timedelta64 is an Integral float refuses)
            raise TypeError(f"{func}() {name}: expected a number, got {describe(value)}"
                            ) from None
    if not isfinite(v):
        shown = repr(value)
        raise ValueError(f"{func}() {name}: expected a finite number, got "
                         f"{shown if len(shown) <= 40 else shown[:37] + '...'}")
    if fabs(v) > most:
        raise ValueError(f"{func}() {name}: expected a gain within +-{most:.8g} (what the "
                         f"audio's float32 holds), got {v:g}")
    return v


cdef inline object gains_arg(object g, Py_ssize_t channels, str func, str name, double *buf,
                             size_t *ngains, double most=INFINITY):
    """Parse a gain into buf, which has room for GAIN_BUFFER values: one number for every
    channel (*ngains = 1) or one per channel (*ngains = channels), all finite and within
    +-most. Returns None, or past GAIN_BUFFER channels a float64 array that holds the values
    in place of buf."""
    cdef Py_ssize_t i
    cdef bint sequence = isinstance(g, (list, tuple))
    if sequence and len(g) == channels and channels <= GAIN_BUFFER:
        for i in range(channels):
            buf[i] = number_arg(g[i], func, name, most)
        ngains[0] = channels
        return None
    if not sequence and not cnp.PyArray_Check(g):
        buf[0] = number_arg(g, func, name, most)
        ngains[0] = 1
        return None
    values = numbers_arg(g, func, name, "a number or one number per channel", 0, 1)
    if cnp.PyArray_NDIM(values) == 0:
        buf[0] = number_arg(values, func, name, most)
        ngains[0] = 1
        return None
    if cnp.PyArray_DIM(values, 0) != channels:
        raise ValueError(f"{func}() {name}: expected one value per channel ({channels}), "
                         f"got {cnp.PyArray_DIM(values, 0)}")
    check_finite(values, func, name, most)
    ngains[0] = channels
    if channels > GAIN_BUFFER:
        return values
    memcpy(buf, cnp.PyArray_DATA(values), channels * sizeof(double))
    return None


cdef inline cnp.ndarray numbers_arg(object g, str func, str name, str expected, int least_nd,
                                    int most_nd):
    """g, a sequence or array of real numbers, as a C-contiguous float64 array of least_nd ..
    most_nd dimensions (strings, bools and other objects refused: numpy would read "0.5")."""
    cdef char kind
    if cnp.PyArray_Check(g):
        if not cnp.PyArray_CheckExact(g) and type(g).__name__ in ("MaskedArray",
                                                                 "MaskedConstant"):
            raise TypeError(f"{func}() {name}: expected {expected}, got a masked array")
        kind = (<cnp.dtype>cnp.PyArray_DESCR(<cnp.ndarray>g)).kind
        if kind != b'i' and kind != b'u' and kind != b'f':
            raise TypeError(f"{func}() {name}: expected {expected}, got {describe(g)}")
    elif not real_items(g, most_nd):
        raise TypeError(f"{func}() {name}: expected {expected}, got {describe(g)}")
    try:
        return cnp.PyArray_FROMANY(g, cnp.NPY_FLOAT64, least_nd, most_nd, cnp.NPY_ARRAY_CARRAY)
    except (TypeError, ValueError):
        raise TypeError(f"{func}() {name}: expected {expected}, got {describe(g)}") from None


cdef inline bint real_items(object g, int depth):
    """Whether g is a list or tuple (nested up to `depth` deep) of real numbers only."""
    if not isinstance(g, (list, tuple)):
        return False
    for item in <object>g:
        if type(item) is float or type(item) is int:
            continue
        if isinstance(item, (list, tuple)):
            if depth < 2 or not real_items(item, depth - 1):
                return False
        elif not is_real(item):
            return False
    return True
