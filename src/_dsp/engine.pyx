# cython: language_level=3
"""The render core's Python face: voices in through a command ring, blocks out, events and
finished voices back. Memory is allocated and freed here, never in the core."""
cimport numpy as cnp
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport INT64_MAX, int64_t, uint64_t
from libc.string cimport memset

from _engine cimport *
from _stream cimport pk_event, pk_ring, pk_ring_read, pk_ring_writable, pk_ring_write

cnp.import_array()

# Commands waiting for the core, and voices alive at once (the return ring holds them all).
cdef enum:
    COMMAND_CAPACITY = 4096
    VOICE_CAPACITY = 16384
    EVENT_CAPACITY = 16384

EVENT_KINDS = {PK_EVENT_VOICE_START: "voice_start", PK_EVENT_VOICE_END: "voice_end"}


cdef object ring_store(pk_ring *ring, uint64_t capacity, size_t item_size):
    """A zeroed array holding the ring's items; the ring points into it."""
    store = cnp.PyArray_ZEROS(1, [<cnp.npy_intp>(capacity * item_size)], cnp.NPY_UINT8, 0)
    ring.data = <char *>cnp.PyArray_DATA(store)
    ring.capacity = capacity
    ring.item_size = item_size
    return store


cdef class EngineCore:
    """The render core with its rings. Not thread-safe: one Python thread at a time drives it
    (the Engine above serialises callers)."""
    cdef pk_engine engine
    cdef object stores
    cdef dict sounds            # voice id -> the float32 array its voice reads
    cdef dict voices            # voice id -> address of its pk_voice, while the core may use it
    cdef list graveyard         # (address, command count) of returned voices to free
    cdef int64_t next_id

    def __init__(self, int channels):
        if not 1 <= channels <= PK_MAX_CHANNELS:
            raise ValueError(f"Engine channels: expected 1 .. {PK_MAX_CHANNELS}, got {channels}")
        memset(&self.engine, 0, sizeof(pk_engine))
        self.engine.channels = channels
        self.stores = [ring_store(&self.engine.commands, COMMAND_CAPACITY, sizeof(pk_command)),
                       ring_store(&self.engine.events, EVENT_CAPACITY, sizeof(pk_event)),
                       ring_store(&self.engine.returns, VOICE_CAPACITY, sizeof(pk_voice *))]
        self.sounds, self.voices, self.graveyard, self.next_id = {}, {}, [], 1

    def __dealloc__(self):
        if self.voices is None:  # __init__ failed before allocating anything
            return
        for address in list(self.voices.values()) + [a for a, _ in self.graveyard]:
            PyMem_Free(<void *><size_t>address)

    @property
    def now(self):
        return self.engine.now

    cdef int command(self, pk_command *c) except -1:
        if pk_ring_write(&self.engine.commands, c, 1) != 1:
            raise RuntimeError("Engine: too many commands waiting for the core; render (or "
                               "start the engine) to take them")
        return 0

    def play(self, cnp.ndarray data, int64_t start, gains, double rate=1.0,
             int64_t loop_start=0, int64_t loop_end=0, stream=None, owner=None):
        """Queue a voice playing `data` ((frames, channels) float32, C-contiguous, kept alive
        until the voice ends) from engine frame `start`, at `rate` sound frames per engine
        frame, repeating frames loop_start .. loop_end if that is not empty; or, with `stream`
        (a StreamBuffer), playing the stream, with `data` its scratch ((frames, channels)
        float32). `owner` is kept alive with the voice too. Return the voice's id."""
        self.reclaim()
        if len(self.voices) >= VOICE_CAPACITY:
            raise RuntimeError(f"Engine: {VOICE_CAPACITY} voices already playing")
        cdef pk_voice *v = <pk_voice *>PyMem_Malloc(sizeof(pk_voice))
        if v == NULL:
            raise MemoryError()
        memset(v, 0, sizeof(pk_voice))
        v.data = <const float *>cnp.PyArray_DATA(data)
        v.frames = cnp.PyArray_DIM(data, 0)
        v.channels = cnp.PyArray_DIM(data, 1)
        if stream is not None:
            v.stream = <pk_stream *><size_t>stream.address
            v.scratch = <float *>cnp.PyArray_DATA(data)
            v.scratch_frames = v.frames
            v.frames = 0
        v.start = start
        v.stop = INT64_MAX
        v.step = <uint64_t>(rate * PK_ONE_FRAME + 0.5)
        v.loop_start = loop_start
        v.loop_end = loop_end
        v.id = self.next_id
        cdef int c
        for c in range(self.engine.channels):
            v.gains[c] = gains[c]
        cdef pk_command cmd
        cmd.kind = PK_CMD_PLAY
        cmd.frame = start
        cmd.voice = v
        try:
            self.command(&cmd)
        except BaseException:
            PyMem_Free(v)
            raise
        self.next_id += 1
        self.sounds[v.id] = (data, stream, owner)
        self.voices[v.id] = <size_t>v
        return v.id

    def stop(self, int64_t voice, int64_t frame):
        """Stop a voice at engine frame `frame` (if it is still playing then)."""
        address = self.voices.get(voice)
        if address is None:
            return
        cdef pk_command cmd
        cmd.kind = PK_CMD_STOP
        cmd.frame = frame
        cmd.voice = <pk_voice *><size_t>address
        self.command(&cmd)

    def render(self, Py_ssize_t frames):
        """Render the next `frames` frames: (frames, channels) float32."""
        if frames < 0:
            raise ValueError(f"Engine.render frames: expected >= 0, got {frames}")
        cdef cnp.npy_intp dims[2]
        dims[0] = frames
        dims[1] = self.engine.channels
        out = cnp.PyArray_EMPTY(2, dims, cnp.NPY_FLOAT32, 0)
        cdef float *dst = <float *>cnp.PyArray_DATA(out)
        with nogil:
            pk_engine_render(&self.engine, dst, frames)
        self.reclaim()
        return out

    def events(self):
        """Events since the last call: (kind, frame, voice id) tuples."""
        cdef pk_event e
        found = []
        while pk_ring_read(&self.engine.events, &e, 1):
            found.append((EVENT_KINDS[e.kind], e.frame, e.value))
        return found

    def reclaim(self):
        """Free the voices the core has returned, once no command in flight can name them."""
        cdef pk_voice *v
        written = self.engine.commands.written
        while pk_ring_read(&self.engine.returns, &v, 1):
            self.sounds.pop(v.id, None)
            self.voices.pop(v.id, None)
            self.graveyard.append((<size_t>v, written))
        taken = self.engine.commands.taken
        keep = []
        for address, after in self.graveyard:
            if taken >= after:
                PyMem_Free(<void *><size_t>address)
            else:
                keep.append((address, after))
        self.graveyard = keep

    @property
    def command_room(self):
        """Commands that fit in the ring now."""
        return pk_ring_writable(&self.engine.commands)

    @property
    def playing(self):
        """Voices the core has not returned yet."""
        return len(self.voices)
