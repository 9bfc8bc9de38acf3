#ifndef CPREFETCH_H
#define CPREFETCH_H

// Cache prefetch hints for MetricsCore's batch apply (Swift has no prefetch of its own).
// A prefetch neither faults nor blocks: the address may be stale or out of range.

static inline __attribute__((always_inline)) void cprefetch_read(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

static inline __attribute__((always_inline)) void cprefetch_write(const void *p) {
    __builtin_prefetch(p, 1, 3);
}

#endif
