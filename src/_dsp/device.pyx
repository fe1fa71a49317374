# cython: language_level=3
"""The device callback's Python face: the state a PortAudio stream's C callback renders the
engine with, its statistics, and recordings it fills."""
cimport numpy as cnp
from libc.stdint cimport uint64_t
from libc.string cimport memset

from _device cimport *
from _stream cimport pk_ring_read, pk_ring_readable

cnp.import_array()

TIME_BUCKETS = PK_TIME_BUCKETS
SOURCES = {"input": PK_RECORD_INPUT, "output": PK_RECORD_OUTPUT}


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
        return pk_device_counter(&self.recording.recorded)

    @property
    def first_frame(self):
        """The engine frame the callback recorded first (None before it has)."""
        frame = <int64_t>pk_device_counter(<uint64_t *>&self.recording.first_frame)
        return None if frame < 0 else frame

    @property
    def dropped(self):
        """Frames the callback found no room for: lost."""
        return pk_device_counter(&self.recording.dropped)


cdef class DeviceCallback:
    """What a PortAudio stream's C callback works with: the engine core (by address; the
    caller keeps it alive), and the statistics the callback keeps."""
    cdef pk_device device
    cdef object core
    cdef Recording current

    cdef bint silent

    def __init__(self, core, double samplerate, int input_channels=0, int channels=0):
        """With `core` None: the silence callback (a benchmark's control) for `channels`
        channels."""
        memset(&self.device, 0, sizeof(pk_device))
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
        return pk_device_counter(&self.device.callbacks)

    @property
    def callbacks(self):
        return pk_device_counter(&self.device.callbacks)

    def stats(self):
        """callbacks, frames, xruns, late, and the render time's percentiles (1 us buckets),
        mean and maximum in us."""
        cdef int i
        counts = [pk_device_counter(&self.device.time_ns[i]) for i in range(PK_TIME_BUCKETS)]
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

        callbacks = pk_device_counter(&self.device.callbacks)
        return {"callbacks": callbacks,
                "frames": pk_device_counter(&self.device.frames),
                "xruns": pk_device_counter(&self.device.xruns),
                "late": pk_device_counter(&self.device.late),
                "render_us_p50": percentile(0.5), "render_us_p99": percentile(0.99),
                "render_us_p999": percentile(0.999),
                "render_us_max": pk_device_counter(&self.device.max_ns) / 1000,
                "render_us_mean": pk_device_counter(&self.device.total_ns) / 1000 /
                max(callbacks, 1)}
