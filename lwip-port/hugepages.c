/* hugepages.c — ask the kernel for transparent huge pages under an instance's .bss.
 *
 * An instance's .bss is some 19 MB (its pools), and lwIP's memp_init writes into every pool
 * element at start-up, so every page is touched in every run: with 4 KiB pages that is ~4,700
 * page faults per instance, most of a short run's wall time. Where the kernel allows
 * transparent huge pages on request (/sys/kernel/mm/transparent_hugepage/enabled: madvise or
 * always), the 2 MiB-aligned middle of the range is backed by huge pages instead. Only the cost
 * of the first touch changes, never what the memory holds. Separate from stack.c, which is
 * strict C11 without madvise.
 *
 * port_zero_pages zeroes a range by giving its whole pages back to the kernel (MADV_DONTNEED):
 * in a private anonymous mapping (the .bss beyond the program file's last page) they read as
 * zero afterwards, and only the pages touched again cost anything. Anywhere else (a mapping
 * backed by a file, where DONTNEED would bring back the file's bytes) it writes zeros. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void port_advise_huge(void *start, unsigned long len);
void port_zero_pages(void *start, unsigned long len);

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

/* Whether [lo, hi) is covered by mappings of /proc/self/maps with no file behind them (the
 * .bss may be split in several: madvise(MADV_HUGEPAGE) splits a mapping where it starts). */
static bool anonymous_mapping(uintptr_t lo, uintptr_t hi)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return false;
    char line[512];
    uintptr_t covered = lo;   /* [lo, covered) is known to be anonymous */
    bool anonymous = true;
    while (anonymous && covered < hi && fgets(line, sizeof line, f)) {
        unsigned long start, end, inode;
        char perms[8];
        int name_at = 0;
        if (sscanf(line, "%lx-%lx %7s %*s %*s %lu %n", &start, &end, perms, &inode, &name_at) < 4 ||
            end <= covered)
            continue;
        anonymous = start <= covered && inode == 0 &&
                    (line[name_at] == '\n' || line[name_at] == '\0');
        covered = end;
    }
    fclose(f);
    return anonymous && covered >= hi;
}

/* Asked once per instance: the range (lwIP's heap) never moves. Not in .bss: the reset zeroes
 * that. 0 not asked yet, 1 anonymous, -1 not. */
static signed char range_anonymous __attribute__((section("tcpsim_keep"))) = 0;

void port_zero_pages(void *start, unsigned long len)
{
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)start + page - 1) & ~(page - 1), end = (uintptr_t)start + len,
              hi = end & ~(page - 1);
    if (hi > lo && !range_anonymous) range_anonymous = anonymous_mapping(lo, hi) ? 1 : -1;
    if (hi <= lo || range_anonymous < 0 || madvise((void *)lo, hi - lo, MADV_DONTNEED) != 0) {
        memset(start, 0, len);
        return;
    }
    memset(start, 0, lo - (uintptr_t)start);
    memset((void *)hi, 0, end - hi);
}
