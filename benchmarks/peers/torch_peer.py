"""
PyTorch CPU on a workload of ../workloads.json, the same architecture
(nn.Linear, ReLU, cross-entropy, SGD with L2 on the weights only; for W5 the
layer list as nn.Conv2d, nn.BatchNorm2d, nn.MaxPool2d, nn.Dropout, ...);
prints one JSON line. Threads: torch.set_num_threads(--threads); the bench
runs it with OMP_WAIT_POLICY=PASSIVE, its best setting on a 2-core machine.

  python3 torch_peer.py W1|W2|W3|W4|W5 [--iterations K] [--threads T]
"""
import argparse
import re
import time

import numpy as np
import torch
import torch.nn.functional as F

import common

DTYPES = {'float32': torch.float32, 'float64': torch.float64}


def tensors(dtype):
    d = common.data(np.dtype(dtype))
    n = d['X_train'].shape[0]
    return (torch.from_numpy(d['X_train'].reshape(n, -1)), torch.from_numpy(d['y_train']),
            torch.from_numpy(d['X_val'].reshape(d['X_val'].shape[0], -1)), torch.from_numpy(d['y_val']))


def network(w, dim, std):
    torch.manual_seed(0)
    dims = [dim, *w['hidden'], common.SPEC['data']['classes']]
    layers = []
    for i in range(len(dims) - 1):
        linear = torch.nn.Linear(dims[i], dims[i + 1], dtype=DTYPES[w['dtype']])
        torch.nn.init.normal_(linear.weight, 0, std)
        torch.nn.init.zeros_(linear.bias)
        layers += [linear, torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def layer_network(text, shape, dtype, std):
    """
    The network of a layer-list string (the grammar of nndl's README) as torch
    modules; convolution and linear weights drawn from N(0, std^2), biases 0,
    as nndl's Sequential with weightScale draws them.
    """
    torch.manual_seed(0)
    c, h, w = shape
    flat = None
    layers = []
    for token in (t.strip().lower() for t in text.split(',')):
        m = re.fullmatch(r'conv(\d+)k(\d+)(?:s(\d+))?(?:p(\d+))?', token)
        if m:
            f, k, stride, pad = int(m[1]), int(m[2]), int(m[3] or 1), int(m[4] or 0)
            layers.append(torch.nn.Conv2d(c, f, k, stride=stride, padding=pad, dtype=dtype))
            c, h, w = f, (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
            continue
        m = re.fullmatch(r'pool(\d+)(?:s(\d+))?', token)
        if m:
            size, stride = int(m[1]), int(m[2] or m[1])
            layers.append(torch.nn.MaxPool2d(size, stride))
            h, w = (h - size) // stride + 1, (w - size) // stride + 1
            continue
        m = re.fullmatch(r'affine(\d+)', token)
        if m:
            if flat is None:
                layers.append(torch.nn.Flatten())
                flat = c * h * w
            layers.append(torch.nn.Linear(flat, int(m[1]), dtype=dtype))
            flat = int(m[1])
            continue
        m = re.fullmatch(r'dropout(\d*\.?\d+)', token)
        if m:
            layers.append(torch.nn.Dropout(float(m[1])))
        elif token == 'relu':
            layers.append(torch.nn.ReLU())
        elif token == 'bn':
            layers.append(torch.nn.BatchNorm1d(flat, dtype=dtype) if flat is not None else torch.nn.BatchNorm2d(c, dtype=dtype))
        else:
            raise ValueError(f'torch peer: no torch module for the layer {token}')
    for layer in layers:
        if isinstance(layer, (torch.nn.Conv2d, torch.nn.Linear)):
            torch.nn.init.normal_(layer.weight, 0, std)
            torch.nn.init.zeros_(layer.bias)
    return torch.nn.Sequential(*layers)


def layers_solver(w, iterations):
    """
    SGD steps of the layer list on (N, 3, 32, 32) images in training mode,
    K of them (the workload's by default) timed after two and scaled to an
    epoch, as nndl's runner times W5.
    """
    d = common.data(np.dtype(w['dtype']))
    X, y = torch.from_numpy(d['X_train']), torch.from_numpy(d['y_train'])
    net = layer_network(w['layers'], common.SPEC['data']['shape'], DTYPES[w['dtype']], w['weightScale'])
    net.train()
    opt = optimizer(net, w['learningRate'], 0.0)
    per_epoch = X.shape[0] // w['batch']
    iterations = iterations or w['iterations']
    for _ in range(2):
        step(net, opt, X, y, w['batch'])
    t0 = time.perf_counter()
    for _ in range(iterations):
        step(net, opt, X, y, w['batch'])
    seconds = time.perf_counter() - t0
    return {'seconds': seconds * per_epoch / iterations, 'iterations': iterations, 'iterationsPerEpoch': per_epoch}


def optimizer(net, lr, reg):
    # Weights of linear and convolution layers; biases and batchnorm's scale and shift have no L2.
    weights = [p for name, p in net.named_parameters() if name.endswith('weight') and p.dim() > 1]
    biases = [p for name, p in net.named_parameters() if not (name.endswith('weight') and p.dim() > 1)]
    return torch.optim.SGD([{'params': weights, 'weight_decay': reg}, {'params': biases}], lr=lr)


def step(net, opt, X, y, batch):
    idx = torch.randint(0, X.shape[0], (batch,))
    opt.zero_grad(set_to_none=True)
    loss = F.cross_entropy(net(X[idx]), y[idx])
    loss.backward()
    opt.step()
    return idx


def accuracy(net, X, y):
    with torch.no_grad():
        return (net(X).argmax(1) == y).double().mean().item()


def standalone(w):
    X, y, X_val, y_val = tensors(w['dtype'])
    net = network(w, X.shape[1], w['std'])
    opt = optimizer(net, w['learningRate'], w['reg'])
    per_epoch = max(X.shape[0] // w['batch'], 1)
    t0 = time.perf_counter()
    for it in range(w['iterations']):
        idx = step(net, opt, X, y, w['batch'])
        if it % per_epoch == 0:
            accuracy(net, X[idx], y[idx])
            accuracy(net, X_val, y_val)
            for group in opt.param_groups:
                group['lr'] *= w['lrDecay']
    return {'seconds': time.perf_counter() - t0, 'iterations': w['iterations']}


def solver(w, iterations):
    X, y, _, _ = tensors(w['dtype'])
    net = network(w, X.shape[1], w['weightScale'])
    opt = optimizer(net, w['learningRate'], 0.0)
    per_epoch = X.shape[0] // w['batch']
    iterations = iterations or per_epoch
    for _ in range(3):
        step(net, opt, X, y, w['batch'])
    t0 = time.perf_counter()
    for _ in range(iterations):
        step(net, opt, X, y, w['batch'])
    seconds = time.perf_counter() - t0
    return {'seconds': seconds * per_epoch / iterations, 'iterations': iterations, 'iterationsPerEpoch': per_epoch}


def kernels():
    k = common.SPEC['kernels']
    torch.manual_seed(0)
    out = {}
    for name in k['dtypes']:
        dt = DTYPES[name]
        x = torch.randn(k['batch'], k['inputDim'], dtype=dt)
        for m in k['outputs']:
            w = torch.randn(k['inputDim'], m, dtype=dt)
            b = torch.randn(m, dtype=dt)
            dout = torch.randn(k['batch'], m, dtype=dt)
            out[f'affine forward {k["inputDim"]}x{m} {name}'] = common.sample_micros(lambda: torch.addmm(b, x, w))
            out[f'affine backward {k["inputDim"]}x{m} {name}'] = common.sample_micros(
                lambda: (dout @ w.T, x.T @ dout, dout.sum(0)))
        dx = torch.randn(x.shape, dtype=dt)
        out[f'relu forward {k["batch"]}x{k["inputDim"]} {name}'] = common.sample_micros(lambda: torch.relu(x))
        out[f'relu backward {k["batch"]}x{k["inputDim"]} {name}'] = common.sample_micros(
            lambda: torch.ops.aten.threshold_backward(dx, x, 0))
        scores = torch.randn(k['batch'], k['classes'], dtype=dt, requires_grad=True)
        y = torch.randint(0, k['classes'], (k['batch'],))

        def softmax():
            loss = F.cross_entropy(scores, y)
            return torch.autograd.grad(loss, scores)

        def svm():
            loss = F.multi_margin_loss(scores, y)
            return torch.autograd.grad(loss, scores)

        out[f'softmax loss {k["batch"]}x{k["classes"]} {name}'] = common.sample_micros(softmax)
        out[f'svm loss {k["batch"]}x{k["classes"]} {name}'] = common.sample_micros(svm)
    return {'kernels': out}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('workload', choices=['W1', 'W2', 'W3', 'W4', 'W5'])
    parser.add_argument('--iterations', type=int, default=0)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.workload == 'W4':
        result = kernels()
    else:
        w = common.SPEC['workloads'][args.workload]
        if w['kind'] == 'standalone':
            result = standalone(w)
        elif w['kind'] == 'layers':
            result = layers_solver(w, args.iterations)
        else:
            result = solver(w, args.iterations)
    result.update({'peer': 'pytorch', 'version': torch.__version__, 'threads': torch.get_num_threads(),
                   'blas': common.blas_info()})
    common.emit(result)


if __name__ == '__main__':
    main()
