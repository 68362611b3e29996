"""Python twin of src-common/diffusion/rng.ts (xoshiro128**, seeded through splitmix32): the same seed gives the
same doubles, so a seeded run of the app's sampler can be replayed exactly by the PyTorch reference."""

M32 = 0xFFFFFFFF


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & M32


def _imul(a, b):
    return (a * b) & M32


class SeededRandom:
    def __init__(self, seed):
        state = seed & M32
        s = []
        for _ in range(4):
            state = (state + 0x9E3779B9) & M32
            z = state
            z = _imul(z ^ (z >> 16), 0x85EBCA6B)
            z = _imul(z ^ (z >> 13), 0xC2B2AE35)
            s.append((z ^ (z >> 16)) & M32)
        self.s = s

    def _next_uint32(self):
        s0, s1, s2, s3 = self.s
        result = _imul(_rotl(_imul(s1, 5), 7), 9)
        t = (s1 << 9) & M32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 11)
        self.s = [s0, s1, s2, s3]
        return result

    def next(self):
        """Uniform in [0, 1) with 53 random bits."""
        return (self._next_uint32() * 2 ** 21 + (self._next_uint32() >> 11)) / 2 ** 53
