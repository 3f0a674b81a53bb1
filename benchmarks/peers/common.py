"""
What the Python peers share: the workload spec, CIFAR-shaped data, a
sampler for microbenchmarks, and the description of the BLAS a process
loaded (read from /proc/self/maps, then asked through ctypes).
"""
import ctypes
import json
import os
import resource
import time

import numpy as np

SPEC = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'workloads.json')))


def data(dtype):
    """Random pixels, mean-subtracted, as (N, 3, 32, 32) arrays of dtype, and labels."""
    d = SPEC['data']
    rng = np.random.default_rng(0)
    dim = int(np.prod(d['shape']))

    def split(n):
        x = rng.integers(0, 256, (n, dim), dtype=np.uint8).astype(dtype)
        x -= 127.5
        return x.reshape((n, *d['shape'])), rng.integers(0, d['classes'], n)

    X_train, y_train = split(d['train'])
    X_val, y_val = split(d['val'])
    return {'X_train': X_train, 'y_train': y_train, 'X_val': X_val, 'y_val': y_val}


def sample_micros(fn, samples=21, sample_seconds=0.02):
    """µs per call: median, min and max over samples of about sample_seconds each."""
    for _ in range(3):
        fn()
    calls, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < sample_seconds / 4 or calls < 2:
        fn()
        calls += 1
    calls = max(1, round(calls * sample_seconds / (time.perf_counter() - t0)))
    per_call = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        per_call.append((time.perf_counter() - t0) / calls * 1e6)
    per_call.sort()
    return {'median': per_call[len(per_call) // 2], 'min': per_call[0], 'max': per_call[-1], 'samples': samples}


def blas_info():
    """The OpenBLAS (or other BLAS) libraries this process has loaded, with core and config when exported."""
    # Resolved through the alternatives symlinks, so each file counts once.
    libs = sorted({os.path.realpath(line.split()[-1]) for line in open('/proc/self/maps')
                   if 'blas' in line.lower() and line.split()[-1].startswith('/')})
    found = []
    for path in libs:
        info = {'library': path}
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            found.append(info)
            continue
        for key, name in (('config', 'openblas_get_config'), ('corename', 'openblas_get_corename'),
                          ('threads', 'openblas_get_num_threads')):
            for symbol in (name, name + '64_', 'scipy_' + name, 'scipy_' + name + '64_'):
                f = getattr(lib, symbol, None)
                if f is not None:
                    f.restype = ctypes.c_int if key == 'threads' else ctypes.c_char_p
                    value = f()
                    info[key] = value if key == 'threads' else value.decode()
                    break
        found.append(info)
    return found


def emit(result):
    """Prints the result as one JSON line, with the peak RSS of the process."""
    result['maxRssMiB'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result), flush=True)
