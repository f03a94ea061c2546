"""PyTorch CPU reference for bench/training.ts: the same network and batch as Evolab's model builder (src/ml/model.ts).

Usage: /usr/bin/python3 bench/torch_reference.py '<chromosome JSON>' [batch] [warmup] [steps] [threads]
Prints one JSON line: {"imagesPerSecond", "msPerStep", "cpuMsPerStep", "threads", "torch", "loss"}; threads is what
torch.get_num_threads() reports after torch.set_num_threads(threads) (default 1), cpuMsPerStep the process CPU time.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ACT = {
    "relu": F.relu,
    "elu": F.elu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "hard_sigmoid": lambda x: torch.clamp(0.2 * x + 0.5, 0.0, 1.0),  # Keras 2's definition, as tfjs
    "softplus": F.softplus,
    "linear": lambda x: x,
}


class Net(nn.Module):
    """6 x (conv 'same' + activation + batch norm), 2x2 max-pool + dropout after conv 2, 4, 6; dense 256, dropout, dense 7."""

    def __init__(self, conv, dense=256, drop_conv=0.25, drop_dense=0.5):
        super().__init__()
        self.acts = [ACT[g["activation"]] for g in conv]
        self.convs = nn.ModuleList()
        self.bns = nn.ModuleList()
        cin, side = 1, 48
        for i, g in enumerate(conv):
            self.convs.append(nn.Conv2d(cin, g["filters"], g["kernel"], padding="same"))
            # Keras' BatchNormalization: momentum 0.99 (0.01 in PyTorch's convention), epsilon 1e-3.
            self.bns.append(nn.BatchNorm2d(g["filters"], eps=1e-3, momentum=0.01))
            cin = g["filters"]
            if i % 2 == 1:
                side //= 2
        self.drop_conv = nn.Dropout(drop_conv)
        self.dense = nn.Linear(side * side * cin, dense)
        self.drop_dense = nn.Dropout(drop_dense)
        self.out = nn.Linear(dense, 7)

    def forward(self, x):
        for i, (conv, bn, act) in enumerate(zip(self.convs, self.bns, self.acts)):
            x = bn(act(conv(x)))
            if i % 2 == 1:
                x = self.drop_conv(F.max_pool2d(x, 2))
        x = self.drop_dense(F.relu(self.dense(torch.flatten(x, 1))))
        return self.out(x)


def optimizer(name, params, lr):
    """Keras defaults (epsilon 1e-7 everywhere) for the paper's seven optimizers."""
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, eps=1e-7)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7)
    if name == "adadelta":
        return torch.optim.Adadelta(params, lr=lr, rho=0.95, eps=1e-7)
    if name == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, initial_accumulator_value=0.1, eps=1e-7)
    if name == "adamax":
        return torch.optim.Adamax(params, lr=lr, eps=1e-7)
    if name == "nadam":
        return torch.optim.NAdam(params, lr=lr, eps=1e-7)
    raise ValueError(name)


def main():
    chromosome = json.loads(sys.argv[1])
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    net = Net(chromosome["conv"])
    net.train()
    opt = optimizer(chromosome["optimizer"], net.parameters(), chromosome["learningRate"])
    x = torch.rand(batch, 1, 48, 48)
    y = torch.arange(batch) % 7

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    c0 = time.process_time()
    loss = float("nan")
    for _ in range(steps):
        loss = step()
    ms = (time.perf_counter() - t0) * 1000 / steps
    cpu_ms = (time.process_time() - c0) * 1000 / steps
    print(json.dumps({"imagesPerSecond": batch * 1000 / ms, "msPerStep": ms, "cpuMsPerStep": cpu_ms, "threads": torch.get_num_threads(),
                      "torch": torch.__version__, "loss": loss}))


if __name__ == "__main__":
    main()
