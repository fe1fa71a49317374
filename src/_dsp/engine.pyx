# cython: language_level=3
"""The render core's Python face: voices, buses and timed changes in through a command ring,
blocks out, events and what the core is done with back. Memory is allocated and freed here,
never in the core."""
cimport numpy as cnp
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_RawFree, PyMem_RawRealloc
from libc.stdint cimport INT64_MAX, int32_t, int64_t, uint64_t
from libc.string cimport memset

from _engine cimport *
from _stream cimport (pk_counter, pk_event_kind, pk_ring, pk_ring_read, pk_ring_readable,
                      pk_ring_taken, pk_ring_writable, pk_ring_write)

cnp.import_array()

cdef enum:
    COMMAND_CAPACITY = 4096     # commands waiting for the core
    RETURN_CAPACITY = 65536     # voices and commands the core holds at once
    CHANGE_RESERVE = 4096       # of which kept for changes when voices fill the rest
    SPILL_CAPACITY = 1 << 20    # events an offline render keeps past the ring, unread

EVENT_CAPACITY = 16384          # the event ring's default size
EVENT_KINDS = {PK_EVENT_VOICE_START: "voice_start", PK_EVENT_VOICE_END: "voice_end",
               PK_EVENT_PEAK: "peak", pk_event_kind.PK_EVENT_UNDERRUN: "underrun",
               pk_event_kind.PK_EVENT_ERROR: "error", PK_EVENT_LATE: "late",
               PK_EVENT_INVALID: "invalid", PK_EVENT_REDUCTION: "reduction"}
BLOCK = PK_BLOCK
AT_ONCE = PK_AT_ONCE
MIN_RATE, MAX_RATE = 1.0 / 256, 256.0
INPUT = "input"  # play()'s owner for a voice of the engine's input
MAX_CHANNELS = PK_MAX_CHANNELS


cdef object ring_store(pk_ring *ring, uint64_t capacity, size_t item_size):
    """A zeroed array holding the ring's items; the ring points into it."""
    store = cnp.PyArray_ZEROS(1, [<cnp.npy_intp>(capacity * item_size)], cnp.NPY_UINT8, 0)
    ring.data = <char *>cnp.PyArray_DATA(store)
    ring.capacity = capacity
    ring.item_size = item_size
    return store


cdef struct EventStore:
    pk_engine_event *items
    size_t count
    size_t capacity


cdef int spill_events(void *context, pk_ring *events) noexcept nogil:
    """An offline render's pk_event_spill: move the ring's events to the end of the store,
    growing it up to SPILL_CAPACITY events (past that, the core counts them as lost)."""
    cdef EventStore *store = <EventStore *>context
    cdef size_t n = pk_ring_readable(events), capacity
    cdef pk_engine_event *items
    if store.count + n > store.capacity:
        capacity = max(2 * store.capacity, store.count + n, <size_t>4096)
        if capacity > SPILL_CAPACITY:
            return 0
        items = <pk_engine_event *>PyMem_RawRealloc(store.items,
                                                     capacity * sizeof(pk_engine_event))
        if items == NULL:
            return 0
        store.items, store.capacity = items, capacity
    store.count += pk_ring_read(events, store.items + store.count, n)
    return 1


cdef void *allocate(size_t size) except NULL:
    cdef void *p = PyMem_Malloc(size)
    if p == NULL:
        raise MemoryError()
    memset(p, 0, size)
    return p


cdef class EngineCore:
    """The render core with its rings. Not thread-safe: one Python thread at a time drives it
    (the Engine above serialises callers)."""
    cdef pk_engine engine
    cdef EventStore spilled     # an offline render's events that did not fit in the ring
    cdef double samplerate
    cdef int64_t meter_interval
    cdef object stores          # arrays the rings and the scratch live in
    cdef dict sounds            # voice id -> what its voice reads, kept alive until it ends
    cdef dict voices            # voice id -> address of its pk_voice, while the core may use it
    cdef list buses             # address of each pk_bus (its buffer follows it), by id
    cdef list graveyard         # (address, command count) of returned voices to free
    cdef int64_t next_id
    cdef Py_ssize_t outstanding  # voices and commands handed to the core, not back yet
    cdef dict plans             # plan address -> what it names (kept alive while the core may
                                # use it): the current plan and those on their way
    cdef dict old_timelines     # timeline address -> replaced timeline, until the core is done

    # Set up in __cinit__, which runs once: an engine a device may be rendering is never set
    # up again.
    def __cinit__(self, int channels, double samplerate, int64_t meter_interval=0,
                  uint64_t event_capacity=EVENT_CAPACITY):
        if not 1 <= channels <= PK_MAX_CHANNELS:
            raise ValueError(f"Engine channels: expected 1 .. {PK_MAX_CHANNELS}, got {channels}")
        if event_capacity & (event_capacity - 1) or event_capacity < PK_MAX_CHANNELS:
            raise ValueError(f"Engine event_capacity: expected a power of two >= "
                             f"{PK_MAX_CHANNELS}, got {event_capacity}")
        memset(&self.engine, 0, sizeof(pk_engine))
        self.engine.channels = channels
        self.engine.samplerate = samplerate
        self.samplerate, self.meter_interval = samplerate, meter_interval
        scratch = cnp.PyArray_ZEROS(1, [<cnp.npy_intp>(3 * PK_BLOCK * PK_MAX_CHANNELS)],
                                    cnp.NPY_FLOAT32, 0)
        self.engine.scratch = <float *>cnp.PyArray_DATA(scratch)
        self.engine.bus_scratch = self.engine.scratch + PK_BLOCK * PK_MAX_CHANNELS
        timeline = cnp.PyArray_ZEROS(1, [<cnp.npy_intp>RETURN_CAPACITY], cnp.NPY_UINTP, 0)
        self.engine.timeline = <pk_command **>cnp.PyArray_DATA(timeline)
        self.stores = [
            ring_store(&self.engine.commands, COMMAND_CAPACITY, sizeof(pk_command *)),
            ring_store(&self.engine.events, event_capacity, sizeof(pk_engine_event)),
            ring_store(&self.engine.returns, RETURN_CAPACITY, sizeof(pk_return)), scratch,
            timeline]
        self.sounds, self.voices, self.buses, self.graveyard = {}, {}, [], []
        self.next_id, self.outstanding = 1, 0
        self.plans, self.old_timelines = {}, {}
        cdef pk_bus *master = self.new_bus((0, 0, 0))
        self.engine.buses = self.engine.master = master
        self.engine.plan = self.new_plan([(0, None, [], [])], [], [])

    def __dealloc__(self):
        if self.voices is None:  # __cinit__ failed before allocating anything
            return
        # Commands never taken, waiting in the timeline, or given back and not yet freed;
        # then every voice not yet freed, and the buses.
        cdef pk_command *c
        while pk_ring_read(&self.engine.commands, &c, 1):
            if c.kind == PK_CMD_PLAN:
                PyMem_Free(c.plan)
            PyMem_Free(c)
        cdef uint64_t i
        for i in range(self.engine.timeline_size):
            PyMem_Free(self.engine.timeline[i])
        self.engine.timeline_size = 0
        cdef pk_return r
        while pk_ring_read(&self.engine.returns, &r, 1):
            if r.kind == PK_RETURN_COMMAND or r.kind == PK_RETURN_PLAN:
                PyMem_Free(r.item)
        PyMem_Free(self.engine.plan)
        for address in list(self.voices.values()) + [a for a, _ in self.graveyard] + self.buses:
            PyMem_Free(<void *><size_t>address)
        PyMem_RawFree(self.spilled.items)

    cdef pk_bus *new_bus(self, timelines) except NULL:
        cdef int channels = self.engine.channels
        cdef pk_bus *bus = <pk_bus *>allocate(sizeof(pk_bus) + PK_BLOCK * channels * sizeof(float))
        gain, pan, level = timelines
        pk_bus_init(bus, len(self.buses), channels, self.samplerate, <float *>(bus + 1),
                    <const pk_timeline *><size_t>gain, <const pk_timeline *><size_t>pan,
                    <const pk_timeline *><size_t>level, self.meter_interval)
        self.buses.append(<size_t>bus)
        return bus

    @property
    def now(self):
        return pk_engine_now(&self.engine)

    @property
    def address(self):
        """The address of the pk_engine, for a device callback to render."""
        return <size_t>&self.engine

    cdef pk_command *new_command(self, int kind, int64_t frame, int64_t ramp) except NULL:
        # A new voice leaves room for changes, so that voices can always be stopped.
        if self.outstanding + (2 + CHANGE_RESERVE if kind == PK_CMD_PLAY else 1) > \
                RETURN_CAPACITY:
            raise RuntimeError(f"Engine: {RETURN_CAPACITY} voices and timed changes already "
                               "waiting or playing")
        if pk_ring_writable(&self.engine.commands) == 0:
            raise RuntimeError("Engine: too many commands waiting for the core; render (or "
                               "start the engine) to take them")
        cdef pk_command *c = <pk_command *>allocate(sizeof(pk_command))
        c.kind, c.frame, c.ramp = kind, frame, ramp
        return c

    cdef send(self, pk_command *c):
        pk_ring_write(&self.engine.commands, &c, 1)  # new_command saw room
        self.outstanding += 1

    cdef pk_voice *voice(self, int64_t voice):
        address = self.voices.get(voice)
        return NULL if address is None else <pk_voice *><size_t>address

    def add_bus(self, timelines):
        """Add a bus, its fader's gain, pan and level following `timelines` (the addresses of
        three pk_timeline, which the caller keeps alive), feeding nothing until a plan says.
        Return its id."""
        cdef pk_command *c = self.new_command(PK_CMD_ADD_BUS, 0, 0)
        try:
            c.bus = self.new_bus(timelines)
        except BaseException:
            PyMem_Free(c)
            raise
        self.send(c)
        return c.bus.id

    cdef pk_plan *new_plan(self, steps, inputs, keep) except NULL:
        """A render plan in one allocation: steps of (bus id, input DelayLine or None,
        [(node address, sidechain bus id or -1, Fade)], [(bus id, gain parameter address,
        DelayLine or None, pre_fader, Fade)]);
        inputs of (parameter address, bus id, depth). `keep`: what it names, kept alive until
        the core gives it back."""
        cdef Py_ssize_t n_nodes = sum(len(step[2]) for step in steps)
        cdef Py_ssize_t n_sends = sum(len(step[3]) for step in steps)
        cdef char *memory = <char *>allocate(
            sizeof(pk_plan) + len(steps) * sizeof(pk_plan_step) +
            n_nodes * sizeof(pk_plan_node) + n_sends * sizeof(pk_plan_send) +
            len(inputs) * sizeof(pk_plan_input))
        cdef pk_plan *plan = <pk_plan *>memory
        plan.count = len(steps)
        plan.steps = <pk_plan_step *>(memory + sizeof(pk_plan))
        cdef pk_plan_node *node = <pk_plan_node *>(plan.steps + len(steps))
        cdef pk_plan_send *send = <pk_plan_send *>(node + n_nodes)
        plan.input_count = len(inputs)
        plan.inputs = <pk_plan_input *>(send + n_sends)
        for i, (param, bus, depth) in enumerate(inputs):
            plan.inputs[i].param = <pk_param *><size_t>param
            plan.inputs[i].bus = <pk_bus *><size_t>self.buses[bus]
            plan.inputs[i].depth = depth
        cdef pk_plan_step *step
        cdef DelayLine delay
        for i, (bus, input_delay, nodes, sends) in enumerate(steps):
            step = &plan.steps[i]
            step.bus = <pk_bus *><size_t>self.buses[bus]
            step.input_delay = NULL if input_delay is None else &(<DelayLine>input_delay).line
            step.node_count, step.send_count = len(nodes), len(sends)
            step.nodes, step.sends = node, send
            for address, sidechain, fade in nodes:
                node.node = <pk_node *><size_t>address
                node.sidechain = NULL if sidechain < 0 else \
                    (<pk_bus *><size_t>self.buses[sidechain]).buffer
                node.fade = &(<Fade>fade).fade
                node += 1
            for to, gain, delay_line, pre_fader, fade in sends:
                send.fade = &(<Fade>fade).fade
                send.to = <pk_bus *><size_t>self.buses[to]
                send.gain = <pk_param *><size_t>gain
                send.delay = NULL if delay_line is None else &(<DelayLine>delay_line).line
                send.pre_fader = pre_fader
                send += 1
        self.plans[<size_t>plan] = keep
        return plan

    def set_plan(self, steps, inputs, keep):
        """Hand the core a new render plan (see new_plan), to swap in before its next pass.
        Return the command count that, once taken, means the core has swapped it in."""
        if self.outstanding + 2 > RETURN_CAPACITY:
            raise RuntimeError(f"Engine: {RETURN_CAPACITY} voices and timed changes already "
                               "waiting or playing")
        cdef pk_command *c = self.new_command(PK_CMD_PLAN, 0, 0)
        try:
            c.plan = self.new_plan(steps, inputs, keep)
        except BaseException:
            PyMem_Free(c)
            raise
        self.send(c)
        self.outstanding += 1  # the old plan comes back too
        return self.engine.commands.written

    def bus_params(self, int bus):
        """The addresses of a bus's fader's gain, pan and level parameters."""
        cdef pk_bus *b = <pk_bus *><size_t>self.buses[bus]
        return <size_t>&b.fader.gain, <size_t>&b.fader.pan, <size_t>&b.fader.level

    def start_master(self, timelines):
        """Make the master's fader follow `timelines` (addresses, kept alive by the caller)
        before anything renders: until then it has none."""
        cdef pk_bus *b = self.engine.master
        gain, pan, level = timelines
        b.fader.gain.timeline = <const pk_timeline *><size_t>gain
        b.fader.pan.timeline = <const pk_timeline *><size_t>pan
        b.fader.level.timeline = <const pk_timeline *><size_t>level

    def set_timeline(self, size_t param, new, old):
        """Make the parameter at address `param` follow `new` (an object with the address of
        a pk_timeline), replacing `old`, which is kept until the core gives it back."""
        return self.timeline_command(<pk_param *>param, new, old, NULL)

    cdef timeline_command(self, pk_param *param, new, old, pk_voice *voice):
        """set_timeline's command; naming the voice whose parameter it is, if one's."""
        if self.outstanding + 2 > RETURN_CAPACITY:
            raise RuntimeError(f"Engine: {RETURN_CAPACITY} voices and timed changes already "
                               "waiting or playing")
        cdef pk_command *c = self.new_command(PK_CMD_TIMELINE, 0, 0)
        c.param = param
        c.voice = voice
        c.timeline = <const pk_timeline *><size_t>new.address
        self.old_timelines[old.address] = old
        self.send(c)
        self.outstanding += 1  # the old timeline comes back too
        return self.engine.commands.written

    def node(self, int bus, size_t node, bint add):
        """Add a node (the address of a prepared pk_node, kept alive by the caller) at the
        end of bus `bus`'s chain, or remove it. Return the command count that, once taken,
        means the core has done it."""
        if not 0 <= bus < len(self.buses):
            raise ValueError(f"Engine node: no bus {bus}")
        cdef pk_command *c = self.new_command(PK_CMD_ADD_NODE if add else PK_CMD_REMOVE_NODE,
                                              0, 0)
        c.bus = <pk_bus *><size_t>self.buses[bus]
        c.node = <pk_node *>node
        self.send(c)
        return self.engine.commands.written

    @property
    def commands_taken(self):
        """Commands the core has taken (and carried out, but for timed ones), ever."""
        return pk_ring_taken(&self.engine.commands)

    def play(self, cnp.ndarray data, int64_t start, params, double rate=1.0,
             int64_t loop_start=0, int64_t loop_end=0, int bus=0, stream=None, owner=None,
             size_t link=0):
        """Queue a voice playing `data` ((frames, channels) float32, C-contiguous, kept alive
        until the voice ends) into bus `bus` from engine frame `start`, at `rate` sound frames
        per engine frame, repeating frames loop_start .. loop_end if that is not empty; or,
        with `stream` (a StreamBuffer), playing the stream through `data` as its window.
        `owner` is kept alive with the voice too; with `owner` INPUT, the voice plays the
        engine's input instead of `data`, and with `link` (the address of a pk_link that
        `owner` keeps), what a second device's input pushes into it. `params`: (gain timeline,
        pan timeline, law): Timelines (kept alive here while the voice plays) and its
        PK_LAW_*. Return the voice's id."""
        if (cnp.PyArray_TYPE(data) != cnp.NPY_FLOAT32 or data.ndim != 2 or
                data.shape[1] < 1 or not cnp.PyArray_IS_C_CONTIGUOUS(data)):
            raise ValueError("Engine play: expected a C-contiguous float32 array shaped "
                             "(frames, channels >= 1)")
        if not MIN_RATE <= rate <= MAX_RATE:
            raise ValueError(f"Engine play rate: expected 1/256 .. 256, got {rate}")
        if not 0 <= bus < len(self.buses):
            raise ValueError(f"Engine play: no bus {bus}")
        gain, pan, rate_timeline, law = params
        self.reclaim()
        cdef pk_command *c = self.new_command(PK_CMD_PLAY, start, 0)
        cdef pk_voice *v
        try:
            v = <pk_voice *>allocate(sizeof(pk_voice))
        except BaseException:
            PyMem_Free(c)
            raise
        c.voice = v
        v.id = self.next_id
        v.bus = <pk_bus *><size_t>self.buses[bus]
        v.data = <const float *>cnp.PyArray_DATA(data)
        v.channels = cnp.PyArray_DIM(data, 1)
        v.count = v.frames = cnp.PyArray_DIM(data, 0)
        if stream is not None:
            v.stream = <pk_stream *><size_t>stream.address
            v.window_frames, v.count, v.frames = v.frames, 0, INT64_MAX
        v.start, v.stop = start, INT64_MAX
        v.step = <uint64_t>(rate * PK_ONE_FRAME + 0.5)
        v.loop_start, v.loop_end = loop_start, loop_end
        if v.step != PK_ONE_FRAME or loop_end > loop_start or stream is not None:
            v.flags = PK_VOICE_VARYING
        if owner is INPUT:  # plays the engine's input as it comes
            v.flags, v.frames = PK_VOICE_INPUT, INT64_MAX
        elif link:  # plays a second device's input, pulled through its link
            v.link, v.flags, v.frames = <void *>link, 0, INT64_MAX
        pk_voice_params(v, <const pk_timeline *><size_t>gain.address,
                        <const pk_timeline *><size_t>pan.address,
                        <const pk_timeline *><size_t>rate_timeline.address, law)
        self.send(c)
        self.outstanding += 1  # the voice comes back too
        self.next_id += 1
        self.sounds[v.id] = (data, stream, owner, [gain, pan, rate_timeline])  # (its timelines)
        self.voices[v.id] = <size_t>v
        return v.id

    def stop(self, int64_t voice, int64_t frame, int64_t release=0):
        """At engine frame `frame`, fade a voice out over `release` frames, and end it."""
        cdef pk_voice *v = self.voice(voice)
        if v == NULL:
            return
        cdef pk_command *c = self.new_command(PK_CMD_STOP, frame, release)
        c.voice = v
        self.send(c)

    def set_law(self, int64_t voice, int64_t frame, int law):
        """At engine frame `frame`, switch a voice's pan law to `law` (PK_LAW_*)."""
        cdef pk_voice *v = self.voice(voice)
        if v == NULL:
            return
        cdef pk_command *c = self.new_command(PK_CMD_SET, frame, 0)
        c.voice = v
        c.what = PK_SET_LAW
        c.law = law
        self.send(c)

    def set_voice_timeline(self, int64_t voice, int which, new, old):
        """Make a voice's gain (which 0), pan (1) or rate (2) follow `new` (a Timeline),
        replacing `old`; kept alive here while the voice plays. Nothing if it has ended."""
        cdef pk_voice *v = self.voice(voice)
        if v == NULL:
            return
        cdef pk_param *param = &v.gain if which == 0 else &v.pan if which == 1 else &v.rate
        self.timeline_command(param, new, old, v)
        self.sounds[voice][3][which] = new

    def take_commands(self):
        """Have the core take the commands waiting (offline, as a render of no frames does):
        voices and buses join, timed changes wait for their frames."""
        cdef cnp.npy_intp dims[2]
        dims[0] = 0
        dims[1] = self.engine.channels
        self.render_offline(cnp.PyArray_EMPTY(2, dims, cnp.NPY_FLOAT32, 0), None, 0, 0, False)

    def render_block(self, Py_ssize_t frames, cnp.ndarray input=None):
        """Render the next `frames` frames offline into a new (frames, channels) float32
        array, as `render_offline` with `wait`; return it, and the frames rendered."""
        cdef cnp.npy_intp dims[2]
        dims[0] = frames
        dims[1] = self.engine.channels
        out = cnp.PyArray_EMPTY(2, dims, cnp.NPY_FLOAT32, 0)
        return out, self.render_offline(out, input, 0, frames, True)

    def render_into(self, cnp.ndarray out, cnp.ndarray input=None):
        """Render the next frames into out, (frames, channels) float32, C-contiguous, as a
        device does (the Python mode's callback): never waiting, events that find the ring
        full lost. With `input`, (frames, input channels) float32, C-contiguous, as the input
        voices' frames."""
        cdef float *dst = self.rows(out, input, 0, out.shape[0])
        try:
            with nogil:
                pk_engine_render(&self.engine, dst, out.shape[0])
        finally:
            self.engine.input = NULL
        self.reclaim()

    def render_offline(self, cnp.ndarray out, cnp.ndarray input, Py_ssize_t start,
                       Py_ssize_t stop, bint wait):
        """Render the next frames into rows start .. stop of out (as for `render_into`; the
        input's rows are out's). Events that do not fit in the ring are kept for `events`.
        With `wait`, stop where a stream has not delivered what the next pass reads (see
        `starved`). Return the frames rendered."""
        cdef float *dst = self.rows(out, input, start, stop)
        cdef size_t frames = stop - start
        self.engine.spill = spill_events
        self.engine.spill_context = &self.spilled
        try:
            with nogil:
                if wait:
                    frames = pk_engine_render_offline(&self.engine, dst, frames)
                else:
                    pk_engine_render(&self.engine, dst, frames)
        finally:
            self.engine.input = NULL
            self.engine.spill = NULL
        self.reclaim()
        return frames

    cdef float *rows(self, cnp.ndarray out, cnp.ndarray input, Py_ssize_t start,
                     Py_ssize_t stop) except NULL:
        """Check out (and input) and point the engine's input at input's rows from start;
        return where out's row `start` is."""
        if (cnp.PyArray_TYPE(out) != cnp.NPY_FLOAT32 or out.ndim != 2 or
                out.shape[1] != self.engine.channels or not cnp.PyArray_IS_C_CONTIGUOUS(out)):
            raise ValueError(f"Engine render: expected a C-contiguous float32 array of shape "
                             f"(frames, {self.engine.channels}), got {out.dtype} "
                             f"{(<object>out).shape}")
        if not 0 <= start <= stop <= out.shape[0]:
            raise ValueError(f"Engine render: rows {start} .. {stop} outside 0 .. "
                             f"{out.shape[0]}")
        if input is not None:
            if (cnp.PyArray_TYPE(input) != cnp.NPY_FLOAT32 or input.ndim != 2 or
                    input.shape[0] != out.shape[0] or input.shape[1] < 1 or
                    not cnp.PyArray_IS_C_CONTIGUOUS(input)):
                raise ValueError(f"Engine render input: expected a C-contiguous float32 array "
                                 f"of shape ({out.shape[0]}, channels), got {input.dtype} "
                                 f"{(<object>input).shape}")
            self.engine.input = <const float *>cnp.PyArray_DATA(input) + start * input.shape[1]
            self.engine.input_frame = self.engine.now
            self.engine.input_frames = stop - start
            self.engine.input_channels = input.shape[1]
        return <float *>cnp.PyArray_DATA(out) + start * self.engine.channels

    @property
    def starved(self):
        """After an offline render that stopped short: (the id of the voice whose stream it
        waits for, the frames its buffer must hold); else (0, 0)."""
        return self.engine.starved_voice, self.engine.starved_frames

    def events(self):
        """Events since the last call: (kind, frame, source, frames, channel, peak, rms)
        tuples; source is a voice's id, or for "peak" and "invalid" a bus's."""
        cdef pk_engine_event e
        cdef size_t i
        found = []
        for i in range(self.spilled.count):
            e = self.spilled.items[i]
            found.append((EVENT_KINDS[e.kind], e.frame, e.source, e.frames, e.channel, e.peak,
                          e.rms))
        self.spilled.count = 0
        while pk_ring_read(&self.engine.events, &e, 1):
            found.append((EVENT_KINDS[e.kind], e.frame, e.source, e.frames, e.channel, e.peak,
                          e.rms))
        return found

    def reclaim(self):
        """Free what the core gave back; voices once no command in flight can name them."""
        cdef pk_return r
        cdef pk_voice *v
        written = self.engine.commands.written
        while pk_ring_read(&self.engine.returns, &r, 1):
            self.outstanding -= 1
            if r.kind == PK_RETURN_COMMAND:
                PyMem_Free(r.item)
            elif r.kind == PK_RETURN_PLAN:
                self.plans.pop(<size_t>r.item)
                PyMem_Free(r.item)
            elif r.kind == PK_RETURN_TIMELINE:
                self.old_timelines.pop(<size_t>r.item)
            else:
                v = <pk_voice *>r.item
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
    def held(self):
        """Voices and commands handed to the core and not given back yet."""
        return self.outstanding

    def holds(self, int64_t voice):
        """Whether the core may still play voice `voice` (it has not given it back)."""
        return voice in self.voices

    @property
    def command_room(self):
        """Commands that fit in the ring now."""
        return pk_ring_writable(&self.engine.commands)

    @property
    def playing(self):
        """Voices the core has not given back yet."""
        return len(self.voices)

    @property
    def lost_events(self):
        """Events the core could not post: the event ring was full."""
        return pk_counter(&self.engine.lost_events)

    @property
    def invalid_samples(self):
        """NaN or infinite samples the core set to 0 on buses."""
        return pk_counter(&self.engine.invalid_samples)


cdef class DelayLine:
    """A fixed delay of `frames` frames (> 0) of `channels` channels, for a render plan."""
    cdef pk_delay_line line
    cdef object store

    def __cinit__(self, int64_t frames, int channels):
        self.store = cnp.PyArray_ZEROS(1, [<cnp.npy_intp>(frames * channels)],
                                       cnp.NPY_FLOAT32, 0)
        self.line.frames, self.line.channels = frames, channels
        self.line.buffer = <float *>cnp.PyArray_DATA(self.store)

    @property
    def frames(self):
        return self.line.frames


cdef class Fade:
    """How an effect or a send of a render plan comes in or goes: from level `start_level` at
    frame `start` (AT_ONCE: the frame the core takes the first plan naming it) to `level`
    over `frames` frames. Never changed once handed to the core, but for the start frame the
    core fills in."""
    cdef pk_fade fade

    def __cinit__(self, float start_level, float level, int64_t start, int64_t frames):
        self.fade.from_, self.fade.to = start_level, level
        self.fade.start, self.fade.frames = start, frames

    @property
    def start(self):
        """The frame it starts at (AT_ONCE until the core has taken it: read it after)."""
        return <int64_t>pk_counter(<uint64_t *>&self.fade.start)

    @property
    def frames(self):
        return self.fade.frames

    @property
    def level(self):
        return self.fade.to
