"""Kernels called from several threads at once give the single-threaded results."""
import threading

import numpy as np

from pkaudio import dsp


def test_kernels_from_many_threads_match(rng):
    blocks = [rng.uniform(-1, 1, (48_000, 2)).astype(np.float32) for _ in range(8)]

    def work(x):
        loud = dsp.gain(x, 0.5)
        mixed = dsp.mix([x, loud], [1.0, -1.0])
        return mixed, dsp.meter(loud), dsp.convert(loud, "int16"), dsp.deinterleave(loud)

    expected = [work(x) for x in blocks]
    results = [None] * len(blocks)
    barrier = threading.Barrier(len(blocks))

    def run(i):
        barrier.wait()
        for _ in range(20):
            results[i] = work(blocks[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(blocks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected, strict=True):
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)


def test_shared_input_read_concurrently(rng):
    """Many threads reading one array while each writes its own out."""
    x = rng.uniform(-1, 1, (100_000, 2))
    outs = [np.empty_like(x) for _ in range(6)]
    threads = [threading.Thread(target=dsp.gain, args=(x, i + 1.0), kwargs={"out": outs[i]})
               for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, out in enumerate(outs):
        np.testing.assert_array_equal(out, x * (i + 1.0))
