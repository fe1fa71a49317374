# cython: language_level=3
"""The device callback's Python face: the state a PortAudio stream's C callback renders the
engine with, its statistics, and recordings it fills."""
cimport numpy as cnp
from libc.stdint cimport int64_t, uint64_t
from libc.string cimport memset

from _device cimport *
from _stream cimport pk_counter, pk_ring_read, pk_ring_readable

cnp.import_array()

TIME_BUCKETS = PK_TIME_BUCKETS
# Hz: how fast a callback's filtered time follows the measured one.
CLOCK_BANDWIDTH = 0.1
# The most frames a second device's callback reads from its ring at a time.
READ_FRAMES = 1024
# The most frames a second device asks for in one callback.
MOST_FRAMES = 16384
SOURCES = {"input": PK_RECORD_INPUT, "output": PK_RECORD_OUTPUT}


def monotonic():
    """Seconds on the system's monotonic clock, the one the callbacks measure time on."""
    return pk_seconds(NULL)


cdef class VirtualTime:
    """A virtual clock's time, in seconds: a number in memory that the callbacks and links
    given it read (through its address) instead of the system's clock. Only the thread that
    calls the callbacks sets it, between calls."""
    cdef double now

    def __init__(self, double seconds=0.0):
        self.now = seconds

    @property
    def seconds(self):
        return self.now

    @seconds.setter
    def seconds(self, double value):
        self.now = value


cdef const double *time_of(VirtualTime clock):
    """What a callback reads its time through: NULL for the system's clock."""
    return NULL if clock is None else &clock.now


cdef class Recording:
    """A ring the callback writes frames into (the device's input or the engine's output) and
    a recorder thread reads from."""
    cdef pk_recording recording
    cdef object store

    def __init__(self, str source, int channels, uint64_t capacity):
        if capacity & (capacity - 1) or capacity == 0:
            raise ValueError(f"Recording capacity: expected a power of two, got {capacity}")
        memset(&self.recording, 0, sizeof(pk_recording))
        self.recording.channels = channels
        self.recording.source = SOURCES[source]
        self.recording.first_frame = -1
        item = channels * sizeof(float)
        self.store = cnp.PyArray_ZEROS(1, [<cnp.npy_intp>(capacity * item)], cnp.NPY_UINT8, 0)
        self.recording.frames.data = <char *>cnp.PyArray_DATA(self.store)
        self.recording.frames.capacity = capacity
        self.recording.frames.item_size = item

    def read(self, cnp.ndarray[cnp.float32_t, ndim=2, mode="c"] out):
        """Copy the frames waiting (as many as fit) into out; return how many."""
        if out.shape[1] != self.recording.channels:
            raise ValueError(f"Recording.read: expected {self.recording.channels} channels, "
                             f"got {out.shape[1]}")
        cdef size_t got
        with nogil:
            got = pk_ring_read(&self.recording.frames, cnp.PyArray_DATA(out), out.shape[0])
        return got

    @property
    def waiting(self):
        return pk_ring_readable(&self.recording.frames)

    @property
    def recorded(self):
        """Frames the callback put in the ring."""
        return pk_counter(&self.recording.recorded)

    @property
    def first_frame(self):
        """The engine frame the callback recorded first (None before it has)."""
        frame = <int64_t>pk_counter(<uint64_t *>&self.recording.first_frame)
        return None if frame < 0 else frame

    @property
    def dropped(self):
        """Frames the callback found no room for: lost."""
        return pk_counter(&self.recording.dropped)


cdef class DeviceClock:
    """The clock a device's callbacks keep (a delay-locked loop): it filters the time each
    callback is measured at into the device's own steady time, leaves out callbacks that came
    late for a moment, and jumps when the device's time does (it lost frames).

    Parameters
    ----------
    rate : float
        The device's nominal frames a second.
    bandwidth : float
        Hz, once settled.
    """
    cdef pk_clock clock
    cdef double rate

    def __init__(self, double rate, double bandwidth=CLOCK_BANDWIDTH):
        if not rate > 0 or not bandwidth > 0:
            raise ValueError(f"DeviceClock: expected a positive rate and bandwidth, got "
                             f"{rate!r} and {bandwidth!r}")
        memset(&self.clock, 0, sizeof(pk_clock))
        self.clock.bandwidth = bandwidth
        self.rate = rate

    def update(self, double measured, int64_t frames):
        """The filtered time (seconds) of a callback for a block of `frames`, measured at
        `measured` seconds."""
        return pk_clock_update(&self.clock, measured, frames, self.rate)

    @property
    def jumps(self):
        """Times the device's time jumped."""
        return self.clock.jumps


cdef class DeviceCallback:
    """What a PortAudio stream's C callback works with: the engine core (by address; the
    caller keeps it alive), and the statistics the callback keeps."""
    cdef pk_device device
    cdef object core
    cdef Recording current
    cdef VirtualTime time

    cdef bint silent

    def __init__(self, core, double samplerate, int input_channels=0, int channels=0,
                 bint ideal_time=False, VirtualTime clock=None):
        """With `core` None: the silence callback (a benchmark's control) for `channels`
        channels. `ideal_time`: the caller passes each block's exact time (a software
        device). `clock`: the virtual time the callback runs by (None: the system's)."""
        memset(&self.device, 0, sizeof(pk_device))
        self.device.ideal_time = ideal_time
        self.device.clock.bandwidth = CLOCK_BANDWIDTH
        self.device.clock.now = time_of(clock)
        self.time = clock
        self.silent = core is None
        if not self.silent:
            self.device.engine = <pk_engine *><size_t>core.address
            channels = self.device.engine.channels
        self.device.output_channels = channels
        self.device.samplerate = samplerate
        self.device.input_channels = input_channels
        self.core = core

    @property
    def callback_address(self):
        """The address of the callback, a PaStreamCallback: pk_device_callback, or
        pk_silence_callback."""
        if self.silent:
            return <size_t>&pk_silence_callback
        return <size_t>&pk_device_callback

    @property
    def address(self):
        """The address to give PortAudio as the callback's user data."""
        return <size_t>&self.device

    def record(self, Recording recording):
        """Have the callback fill `recording` (None: none) from its next call. Return the
        callback count after which the recording it filled before is no longer in use."""
        pk_device_record(&self.device, NULL if recording is None else &recording.recording)
        self.current = recording
        return pk_counter(&self.device.callbacks)

    @property
    def callbacks(self):
        return pk_counter(&self.device.callbacks)

    def release(self):
        """Tell the engine no device runs it any more (call once its stream has stopped):
        its offline renders then pull nothing from other devices' links."""
        if not self.silent:
            self.device.engine.clock_ns = 0

    def stats(self):
        """callbacks, frames, xruns, late, and the render time's percentiles (1 us buckets),
        mean and maximum in us."""
        cdef int i
        counts = [pk_counter(&self.device.time_ns[i]) for i in range(PK_TIME_BUCKETS)]
        total = sum(counts)

        def percentile(q):
            if total == 0:
                return 0.0
            seen = 0
            for bucket, n in enumerate(counts):
                seen += n
                if seen >= q * total:
                    return float(bucket + 1)  # the bucket's upper edge, in us
            return float(PK_TIME_BUCKETS)

        callbacks = pk_counter(&self.device.callbacks)
        return {"callbacks": callbacks,
                "frames": pk_counter(&self.device.frames),
                "xruns": pk_counter(&self.device.xruns),
                "late": pk_counter(&self.device.late),
                "clock_jumps": pk_counter(&self.device.clock.jumps),
                "render_us_p50": percentile(0.5), "render_us_p99": percentile(0.99),
                "render_us_p999": percentile(0.999),
                "render_us_max": pk_counter(&self.device.max_ns) / 1000,
                "render_us_mean": pk_counter(&self.device.total_ns) / 1000 /
                max(callbacks, 1)}


ctypedef int (*stream_callback)(const void *, void *, unsigned long, const void *,
                                unsigned long, void *) noexcept nogil


def call(size_t callback, size_t user, cnp.ndarray[cnp.float32_t, ndim=2, mode="c"] out,
         double time, cnp.ndarray[cnp.float32_t, ndim=2, mode="c"] input=None):
    """Call a PaStreamCallback (pk_device_callback, pk_output_callback, pk_input_callback)
    as a device would, the GIL released: `out` is the block to fill, `input` (as many
    frames) what the device recorded, `time` the block's time in seconds on its clock,
    passed as PaStreamCallbackTimeInfo.currentTime."""
    cdef double time_info[3]
    time_info[0] = time_info[2] = 0.0
    time_info[1] = time
    cdef unsigned long frames = out.shape[0]
    if input is not None and input.shape[0] != out.shape[0]:
        raise ValueError("call: input and out must have as many frames")
    cdef void *dst = cnp.PyArray_DATA(out)
    cdef const void *src = NULL if input is None else cnp.PyArray_DATA(input)
    with nogil:
        (<stream_callback>callback)(src, dst, frames, time_info, 0, <void *>user)


cdef object link_init(pk_link *link, int channels, double rate, double pull_rate,
                      double target, resampler, VirtualTime clock):
    """Set a link up (its resampler: a Resampler from rate to pull_rate, steerable, which
    the link then owns; its clock: a virtual time, or None for the system's); return what
    its memory lives in."""
    if not 1 <= channels <= 64:
        raise ValueError(f"link channels: expected 1 .. 64, got {channels}")
    link.channels = channels
    link.now = time_of(clock)
    link.rate, link.pull_rate, link.target = rate, pull_rate, target
    capacity = 1 << max(12, int(target * 4 + MOST_FRAMES).bit_length())
    item = channels * sizeof(float)
    ring = cnp.PyArray_ZEROS(1, [<cnp.npy_intp>(capacity * item)], cnp.NPY_UINT8, 0)
    link.frames.data = <char *>cnp.PyArray_DATA(ring)
    link.frames.capacity = capacity
    link.frames.item_size = item
    read = cnp.PyArray_ZEROS(1, [<cnp.npy_intp>(READ_FRAMES * channels)], cnp.NPY_FLOAT32, 0)
    link.input = <float *>cnp.PyArray_DATA(read)
    link.input_frames = READ_FRAMES
    # A pull's frames, and what the last read of the ring can add past them (it reads two
    # frames more than the outputs wanted stand for: at most 2 / step + 2 outputs more, the
    # step as much as 2% under its nominal rate / pull_rate).
    link.ready_capacity = MOST_FRAMES + int(2 * pull_rate / (0.98 * rate)) + 8
    ready = cnp.PyArray_ZEROS(1, [<cnp.npy_intp>(link.ready_capacity * channels)],
                              cnp.NPY_FLOAT32, 0)
    link.ready = <float *>cnp.PyArray_DATA(ready)
    link.resampler = <pk_resampler *><size_t>resampler.address
    return (ring, read, ready, resampler, clock)


cdef dict link_stats(pk_link *link, pk_clock *clock):
    """frames, underruns, drift_ppm, latency_frames, debt_frames, target_frames, overflows, a pull's
    mean time in us and of it the resampling's, and the times the device's time jumped."""
    pulls = pk_counter(&link.pulls)
    return {"frames": pk_counter(&link.pulled),
            "underruns": pk_counter(&link.underruns),
            "drift_ppm": <int64_t>pk_counter(<uint64_t *>&link.drift_ppb) / 1e3,
            "latency_frames": <int64_t>pk_counter(<uint64_t *>&link.latency_frames),
            "debt_frames": <int64_t>pk_counter(<uint64_t *>&link.debt_frames),
            "target_frames": link.target,
            "overflows": pk_counter(&link.overflows),
            "callback_us_mean": pk_counter(&link.total_ns) / 1000 / max(pulls, 1),
            "resample_us_mean": pk_counter(&link.resample_ns) / 1000 / max(pulls, 1),
            "clock_jumps": pk_counter(&clock.jumps)}


cdef class DeviceOutput:
    """A second device's output: the tap node that pushes a bus into a link during the
    master's render, and the state its callback (pk_output_callback) pulls the link with."""
    cdef pk_output output
    cdef object stores

    def __init__(self, int channels, map, double rate, double device_rate, double target,
                 resampler, bint ideal_time=False, VirtualTime clock=None):
        memset(&self.output, 0, sizeof(pk_output))
        if len(map) != channels:
            raise ValueError(f"DeviceOutput: {channels} channels, {len(map)} mapped")
        self.stores = link_init(&self.output.link, channels, rate, device_rate, target,
                                resampler, clock)
        self.output.clock.now = time_of(clock)
        self.output.node.kind = &pk_tap_class
        self.output.ideal_time = ideal_time
        for c in range(channels):
            self.output.map[c] = map[c]
        self.output.clock.bandwidth = CLOCK_BANDWIDTH
        scratch = cnp.PyArray_ZEROS(1, [<cnp.npy_intp>(PK_BLOCK * channels)], cnp.NPY_FLOAT32, 0)
        self.output.tap_scratch = <float *>cnp.PyArray_DATA(scratch)
        self.stores += (scratch,)

    @property
    def node(self):
        """The address of the tap node, for a bus's chain."""
        return <size_t>&self.output.node

    @property
    def callback_address(self):
        return <size_t>&pk_output_callback

    @property
    def address(self):
        return <size_t>&self.output

    def stats(self):
        return link_stats(&self.output.link, &self.output.clock)


cdef class DeviceInput:
    """A second device's input: the state its callback (pk_input_callback) pushes into a
    link with, and that the engine's voices of it pull at the engine's clock."""
    cdef pk_input input
    cdef object stores

    def __init__(self, int channels, double device_rate, double rate, double target,
                 resampler, bint ideal_time=False, VirtualTime clock=None):
        memset(&self.input, 0, sizeof(pk_input))
        self.stores = link_init(&self.input.link, channels, device_rate, rate, target,
                                resampler, clock)
        self.input.clock.now = time_of(clock)
        self.input.ideal_time = ideal_time
        self.input.clock.bandwidth = CLOCK_BANDWIDTH

    @property
    def channels(self):
        return self.input.link.channels

    @property
    def link(self):
        """The address of the link, for a voice to pull."""
        return <size_t>&self.input.link

    @property
    def callback_address(self):
        return <size_t>&pk_input_callback

    @property
    def address(self):
        return <size_t>&self.input

    def stats(self):
        return link_stats(&self.input.link, &self.input.clock)

    def reset(self):
        """Empty the link for a new run (neither side may be running): what was left is
        dropped, and the puller waits for its latency again. The drift estimate stays."""
        pk_link_reset(&self.input.link)
        self.input.clock.started = 0
