/* hugepages.c — ask the kernel for transparent huge pages under an instance's .bss.
 *
 * An instance's .bss is some 19 MB (its pools), and lwIP's memp_init writes into every pool
 * element at start-up, so every page is touched in every run: with 4 KiB pages that is ~4,700
 * page faults per instance, most of a short run's wall time. Where the kernel allows
 * transparent huge pages on request (/sys/kernel/mm/transparent_hugepage/enabled: madvise or
 * always), the 2 MiB-aligned middle of the range is backed by huge pages instead. Only the cost
 * of the first touch changes, never what the memory holds. Separate from stack.c, which is
 * strict C11 without madvise. */
#define _GNU_SOURCE
#include <stdint.h>
#include <sys/mman.h>

void port_advise_huge(void *start, unsigned long len);

void port_advise_huge(void *start, unsigned long len)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = 2u << 20;
    uintptr_t lo = ((uintptr_t)start + huge - 1) & ~(huge - 1), hi = ((uintptr_t)start + len) & ~(huge - 1);
    if (hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE);   /* a refusal changes nothing */
#else
    (void)start, (void)len;
#endif
}
