# cython: language_level=3
"""The effects' compiled face: node classes by name, a host that runs one node over blocks
(with its parameters and its events), and parameter timelines. pkaudio.fx builds on it; the
engine runs the same nodes on its buses."""
cimport numpy as cnp
import numpy as np
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport calloc, free
from libc.string cimport memcpy

from _node cimport *

cnp.import_array()

cdef extern from "fx.h" nogil:
    const pk_node_class *pk_fx_class(const char *name)
    const pk_node_class *pk_fx_class_at(size_t i)

    ctypedef struct pk_group:
        pk_node node
        int32_t count
        pk_node **children

cdef extern from "fx_convolution.h" nogil:
    const pk_node_class pk_convolution_class
    void pk_convolution_use(pk_node *node, const float *ir, int64_t frames, int32_t channels)

cdef extern from "fft.h" nogil:
    ctypedef struct pk_fft_plan:
        pass
    pk_fft_plan *pk_fft_plan_new(size_t n)
    void pk_fft_plan_free(pk_fft_plan *plan)
    void pk_fft_forward(pk_fft_plan *plan, const float *x, float *re, float *im)
    void pk_fft_inverse(pk_fft_plan *plan, const float *re, const float *im, float *x)

cdef extern from "simd.h" nogil:
    ctypedef unsigned int pk_float_mode
    pk_float_mode pk_flush_denormals()
    void pk_restore_float_mode(pk_float_mode mode)

cdef enum:
    EVENT_CAPACITY = 4096   # a host's events not yet collected

BLOCK = PK_BLOCK
MAX_CHANNELS = PK_MAX_CHANNELS
ABI = PK_NODE_ABI
HOLD, LINEAR, EXPONENTIAL, TARGET, CURVE = (PK_SEGMENT_HOLD, PK_SEGMENT_LINEAR,
                                             PK_SEGMENT_EXPONENTIAL, PK_SEGMENT_TARGET,
                                             PK_SEGMENT_CURVE)
EVENT_REDUCTION = PK_EVENT_REDUCTION


def kinds():
    """The built-in node classes' names."""
    found = []
    cdef size_t i = 0
    while pk_fx_class_at(i) != NULL:
        found.append(pk_fx_class_at(i).name.decode())
        i += 1
    return found


cdef const pk_node_class *find(str kind) except NULL:
    cdef const pk_node_class *k = pk_fx_class(kind.encode())
    if k == NULL:
        raise ValueError(f"no node class called {kind!r}; there are {kinds()}")
    if k.abi != PK_NODE_ABI:
        raise ValueError(f"node class {kind!r} was built for node interface {k.abi}, this "
                         f"core is {PK_NODE_ABI}")
    return k


def params(str kind):
    """A node class's parameters: (name, initial, min, max, is_setting) each."""
    cdef const pk_node_class *k = find(kind)
    return [(k.params[i].name.decode(), k.params[i].initial, k.params[i].min,
             k.params[i].max, bool(k.params[i].flags & PK_PARAM_SETTING))
            for i in range(k.param_count)]


cdef class Timeline:
    """A parameter's timeline in the core's form: segments (kind, start, end, from, to, rate,
    curve or None), in order, the first starting at INT64_MIN, each where the last ended."""
    cdef pk_timeline *timeline

    def __cinit__(self, segments):
        cdef Py_ssize_t n = len(segments), points = 0, i
        for s in segments:
            if s[6] is not None:
                points += len(s[6])
        self.timeline = <pk_timeline *>PyMem_Malloc(
            sizeof(pk_timeline) + n * sizeof(pk_segment) + points * sizeof(float))
        if self.timeline == NULL:
            raise MemoryError()
        self.timeline.count = n
        cdef float *curve = <float *>(<char *>self.timeline + sizeof(pk_timeline) +
                                      n * sizeof(pk_segment))
        cdef cnp.ndarray values
        cdef pk_segment *seg
        for i in range(n):
            kind, start, end, from_, to, rate, points_ = segments[i]
            seg = &self.timeline.segments[i]
            seg.kind, seg.start, seg.end = kind, start, end
            seg.from_, seg.to, seg.rate = from_, to, rate
            seg.points, seg.curve = 0, NULL
            if points_ is not None:
                values = cnp.PyArray_FROMANY(points_, cnp.NPY_FLOAT32, 1, 1,
                                             cnp.NPY_ARRAY_CARRAY)
                memcpy(curve, cnp.PyArray_DATA(values), len(values) * sizeof(float))
                seg.points, seg.curve = len(values), curve
                curve += len(values)

    def __dealloc__(self):
        PyMem_Free(self.timeline)

    @property
    def address(self):
        return <size_t>self.timeline


cdef class ParamCell:
    """One parameter outside any node (a send's gain): its value store and timeline."""
    cdef pk_param param
    cdef float values[PK_BLOCK]
    cdef Timeline timeline

    def __cinit__(self, Timeline timeline, float low, float high):
        self.param.values = self.values
        self.param.min, self.param.max = low, high
        self.timeline = timeline  # (its first; an engine swaps the later ones in)
        self.param.timeline = timeline.timeline

    @property
    def address(self):
        return <size_t>&self.param


cdef struct Events:
    pk_engine_event items[EVENT_CAPACITY]
    size_t count
    size_t lost


cdef int post_event(pk_node_context *context, const pk_engine_event *event) noexcept nogil:
    cdef Events *events = <Events *>context.host
    if events.count == EVENT_CAPACITY:
        events.lost += 1
        return 0
    events.items[events.count] = event[0]
    events.count += 1
    return 1


cdef class NodeHost:
    """One node of a class, with its parameters: prepared for a rate and channel count, then
    run over blocks in place, frames counted from the last prepare or reset."""
    cdef const pk_node_class *kind
    cdef pk_node *node
    cdef float *values          # each parameter's PK_BLOCK values
    cdef list timelines         # each parameter's Timeline
    cdef list children          # a group's NodeHosts
    cdef pk_node **child_nodes
    cdef float *scratch
    cdef Events *events
    cdef readonly int64_t frame
    cdef readonly bint prepared
    cdef public int64_t source  # the id its events carry
    cdef pk_node_context context
    # Called as preparing(host, samplerate, channels) before each prepare of the node: what
    # hands a node the data its prepare reads (a convolution's impulse response at the rate).
    cdef public object preparing
    cdef object held            # that data, kept alive for the node

    def __cinit__(self, str kind, timelines, children=()):
        self.kind = find(kind)
        cdef int n = self.kind.param_count, i
        if len(timelines) != n:
            raise ValueError(f"node {kind!r} has {n} parameters, got {len(timelines)} timelines")
        self.node = <pk_node *>calloc(1, self.kind.size)
        self.values = <float *>calloc(n * PK_BLOCK + 1, sizeof(float))
        self.scratch = <float *>calloc(PK_BLOCK * PK_MAX_CHANNELS, sizeof(float))
        self.events = <Events *>calloc(1, sizeof(Events))
        self.child_nodes = <pk_node **>calloc(len(children) + 1, sizeof(pk_node *))
        if self.node == NULL or self.values == NULL or self.scratch == NULL or \
                self.events == NULL or self.child_nodes == NULL:
            raise MemoryError()
        self.node.kind = self.kind
        self.node.params = <pk_param *>calloc(n + 1, sizeof(pk_param))
        if self.node.params == NULL:
            raise MemoryError()
        self.timelines = [None] * n
        for i in range(n):
            self.node.params[i].values = self.values + i * PK_BLOCK
            self.node.params[i].min = self.kind.params[i].min
            self.node.params[i].max = self.kind.params[i].max
            self.set_timeline(i, timelines[i])
        self.children = list(children)
        cdef NodeHost child
        for i in range(len(self.children)):
            child = self.children[i]
            self.child_nodes[i] = child.node
        if self.children:
            (<pk_group *>self.node).count = len(self.children)
            (<pk_group *>self.node).children = self.child_nodes
        self.context.post = post_event
        self.context.host = <void *>self.events
        self.context.scratch = self.scratch

    def __dealloc__(self):
        if self.node != NULL:
            if self.prepared and self.kind.release != NULL:
                self.kind.release(self.node)
            free(self.node.params)
        free(self.node)
        free(self.values)
        free(self.scratch)
        free(self.events)
        free(self.child_nodes)

    def set_timeline(self, int index, Timeline timeline):
        """Parameter `index` follows this timeline from now on (only while no core runs the
        node: the engine swaps timelines through its command ring)."""
        self.timelines[index] = timeline
        self.node.params[index].timeline = timeline.timeline
        self.node.params[index].cursor = 0
        self.node.params[index].steady_from = 1
        self.node.params[index].steady_until = 0

    def param_address(self, int index):
        return <size_t>&self.node.params[index]

    def prepare(self, double samplerate, int channels, int64_t report_interval=0):
        """Get ready for this rate and channel count (a group's children first), frames
        counted from 0; reports every `report_interval` frames (0: none)."""
        cdef NodeHost child
        for child in self.children:
            child.prepare(samplerate, channels, report_interval)
        if self.prepared and self.kind.release != NULL:
            self.kind.release(self.node)
        self.prepared = False
        self.node.samplerate, self.node.channels = samplerate, channels
        self.node.report_interval = report_interval
        self.node.id = self.source
        if self.preparing is not None:
            self.preparing(self, samplerate, channels)
        cdef int status = self.kind.prepare(self.node, samplerate, channels)
        if status == PK_NODE_NO_MEMORY:
            raise MemoryError(f"{self.kind.name.decode()}: no memory for its state")
        if status != 0:
            raise ValueError(f"{self.kind.name.decode()}: cannot run at {samplerate} Hz with "
                             f"{channels} channels (error {status})")
        self.prepared = True
        self.frame = 0
        self.events.count = 0

    def reset(self):
        """Forget what came before; frames counted from 0 again."""
        self.kind.reset(self.node)
        self.frame = 0

    def process(self, cnp.ndarray block, cnp.ndarray sidechain=None, cnp.ndarray source=None):
        """Run over `block` in place: float32, C order, (frames, the prepared channels); the
        sidechain, if given, shaped the same. With a `source` shaped the same, each of the
        node's blocks is copied from it just before it is processed: one pass over the
        memory where a copy first would be two."""
        cdef float *data = <float *>cnp.PyArray_DATA(block)
        cdef const float *side = NULL
        cdef const float *src = NULL
        if sidechain is not None:
            side = <const float *>cnp.PyArray_DATA(sidechain)
        if source is not None:
            src = <const float *>cnp.PyArray_DATA(source)
        cdef size_t frames = cnp.PyArray_DIM(block, 0), done = 0, n
        cdef size_t channels = self.node.channels
        cdef pk_float_mode mode
        with nogil:
            mode = pk_flush_denormals()
            while done < frames:
                n = frames - done if frames - done < PK_BLOCK else PK_BLOCK
                self.context.sidechain = side
                if side != NULL:
                    self.context.sidechain = side + done * channels
                if src != NULL:
                    memcpy(data + done * channels, src + done * channels,
                           n * channels * sizeof(float))
                self.kind.process(self.node, data + done * channels, n, self.frame,
                                  &self.context)
                self.frame += n
                done += n
            pk_restore_float_mode(mode)

    def take_events(self):
        """The events posted since the last call: (kind, frame, source, frames, channel,
        peak, rms) each."""
        cdef pk_engine_event e
        cdef size_t i
        found = []
        for i in range(self.events.count):
            e = self.events.items[i]
            found.append((e.kind, e.frame, e.source, e.frames, e.channel, e.peak, e.rms))
        self.events.count = 0
        return found

    @property
    def lost_events(self):
        """Events that found the host's store full (4096 not collected)."""
        return self.events.lost

    @property
    def address(self):
        """The pk_node's address, for a render plan."""
        return <size_t>self.node

    @property
    def name(self):
        return self.kind.name.decode()

    @property
    def latency(self):
        return self.node.latency

    @property
    def tail(self):
        return self.node.tail

    @property
    def channels(self):
        return self.node.channels

    @property
    def samplerate(self):
        return self.node.samplerate


def convolution_use(NodeHost host, ir):
    """Give a convolution node the impulse response its next prepare reads: (frames, channels)
    at the rate it is prepared at (taken as float32 in C order); the host keeps it."""
    if host.kind != &pk_convolution_class:
        raise TypeError(f"convolution_use: expected a convolution node, got {host.name!r}")
    cdef cnp.ndarray array = cnp.PyArray_FROMANY(ir, cnp.NPY_FLOAT32, 2, 2,
                                                 cnp.NPY_ARRAY_CARRAY)
    host.held = array
    pk_convolution_use(host.node, <const float *>cnp.PyArray_DATA(array),
                       cnp.PyArray_DIM(array, 0), <int32_t>cnp.PyArray_DIM(array, 1))


cdef pk_fft_plan *fft_plan(Py_ssize_t n, str what) except NULL:
    cdef pk_fft_plan *plan = pk_fft_plan_new(n) if n > 0 else NULL
    if plan == NULL:
        if n >= 4 and n & (n - 1) == 0:
            raise MemoryError()
        raise ValueError(f"{what}: the core's FFT takes a power of two >= 4 samples, got {n}")
    return plan


def fft(x):
    """The core's real FFT (fft.h) of x, float32 of a power-of-two length n >= 4: bins
    0 .. n/2, complex64, as numpy.fft.rfft gives them."""
    cdef cnp.ndarray samples = cnp.PyArray_FROMANY(x, cnp.NPY_FLOAT32, 1, 1,
                                                   cnp.NPY_ARRAY_CARRAY)
    cdef Py_ssize_t n = len(samples)
    cdef pk_fft_plan *plan = fft_plan(n, "fft")
    cdef cnp.ndarray parts = np.zeros((2, n // 2 + 1), np.float32)
    cdef float *re = <float *>cnp.PyArray_DATA(parts)
    pk_fft_forward(plan, <const float *>cnp.PyArray_DATA(samples), re, re + n // 2 + 1)
    pk_fft_plan_free(plan)
    return (parts[0] + 1j * parts[1]).astype("complex64")


def inverse_fft(spectrum, Py_ssize_t n):
    """The core's inverse real FFT (fft.h): the n samples whose bins 0 .. n/2 are `spectrum`,
    times n (unnormalised, as FFTW's)."""
    bins = np.asarray(spectrum, np.complex64)
    cdef cnp.ndarray re = np.ascontiguousarray(bins.real, np.float32)
    cdef cnp.ndarray im = np.ascontiguousarray(bins.imag, np.float32)
    cdef pk_fft_plan *plan = fft_plan(n, "inverse_fft")
    if re.ndim != 1 or len(re) != n // 2 + 1:
        pk_fft_plan_free(plan)
        raise ValueError(f"inverse_fft: expected {n // 2 + 1} bins, got {len(re)}")
    cdef cnp.ndarray out = np.zeros(n, np.float32)
    pk_fft_inverse(plan, <const float *>cnp.PyArray_DATA(re),
                   <const float *>cnp.PyArray_DATA(im), <float *>cnp.PyArray_DATA(out))
    pk_fft_plan_free(plan)
    return out
