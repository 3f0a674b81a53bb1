"""
PyTorch CPU on a workload of ../workloads.json, the same architecture
(nn.Linear, ReLU, cross-entropy, SGD with L2 on the weights only); prints
one JSON line. Threads: torch.set_num_threads(--threads); the bench runs it
with OMP_WAIT_POLICY=PASSIVE, its best setting on a 2-core machine.

  python3 torch_peer.py W1|W2|W3|W4 [--iterations K] [--threads T]
"""
import argparse
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


def optimizer(net, lr, reg):
    weights = [p for name, p in net.named_parameters() if name.endswith('weight')]
    biases = [p for name, p in net.named_parameters() if name.endswith('bias')]
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
    parser.add_argument('workload', choices=['W1', 'W2', 'W3', 'W4'])
    parser.add_argument('--iterations', type=int, default=0)
    parser.add_argument('--threads', type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.workload == 'W4':
        result = kernels()
    else:
        w = common.SPEC['workloads'][args.workload]
        result = standalone(w) if w['kind'] == 'standalone' else solver(w, args.iterations)
    result.update({'peer': 'pytorch', 'version': torch.__version__, 'threads': torch.get_num_threads(),
                   'blas': common.blas_info()})
    common.emit(result)


if __name__ == '__main__':
    main()
