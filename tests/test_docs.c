/* The docs agree with the code where issue 10 found them not to: every cause of a state change
 * the simulator can write is listed in docs/trace-format.md, docs/link-faults.md promises no
 * fate the trace never shows, and docs/os-model.md says what lwIP does to the connections still
 * queued on a listener that closes (they are reset). Run from the top of the source tree.
 *
 * The man pages (man/) follow the tool: every command, option and exit code `tcpsim --help`
 * prints is in tcpsim.1; every keyword the scenario parser knows is in tcpsim-scenario.5;
 * every function, type and macro of the public headers is in libtcpsim.3; each page's
 * version is TCPSIM_VERSION; the examples run (or compile); groff renders each page without a
 * warning. Words are looked up only in what a page shows as literal (bold, and the examples),
 * so an English "at" or "in" in a sentence cannot stand for a keyword. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tcpsim/tcpsim.h>   /* TCPSIM_VERSION */

#include "cli_fixture.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f || fseek(f, 0, SEEK_END) != 0) fail_msg("cannot read %s (run from the source tree)", path);
    long size = ftell(f);
    rewind(f);
    char *text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    return text;
}

/* Every string literal that follows `return ` between `from` and the next line "}" in src. */
static size_t returned_strings(const char *src, const char *from, char out[][64], size_t max)
{
    const char *p = strstr(src, from), *end = p ? strstr(p, "\n}\n") : NULL;
    size_t n = 0;
    while (p && (p = strstr(p, "return \"")) && p < end && n < max) {
        p += strlen("return \"");
        size_t len = strcspn(p, "\"");
        snprintf(out[n++], sizeof out[0], "`%.*s`", (int)len, p);
    }
    return n;
}

static void test_every_state_change_cause_is_documented(void **state)
{
    (void)state;
    char *pcbtrack = slurp("sim/pcbtrack.c"), *docs = slurp("docs/trace-format.md");
    char causes[64][64];
    size_t n = returned_strings(pcbtrack, "static const char *cause_of(", causes, 64);
    assert_true(n >= 15);
    strcpy(causes[n++], "`host crashed`");      /* sim/host.c power_off */
    strcpy(causes[n++], "`host powered off`");
    for (size_t i = 0; i < n; i++) {
        if (strcmp(causes[i], "`?`") == 0) continue;
        if (!strstr(docs, causes[i])) fail_msg("docs/trace-format.md lacks the cause %s", causes[i]);
    }
    free(pcbtrack);
    free(docs);
}

static void test_link_faults_promise_only_fates_the_trace_shows(void **state)
{
    (void)state;
    char *docs = slurp("docs/link-faults.md"), *trace = slurp("sim/trace.c");
    assert_non_null(strstr(trace, "\"delivered\""));
    assert_non_null(strstr(trace, "\"dropped:%s\""));
    assert_null(strstr(trace, "reordered"));
    assert_null(strstr(docs, "`reordered`"));
    assert_non_null(strstr(docs, "The packet's fate stays `delivered`"));
    free(docs);
    free(trace);
}

static void test_os_model_says_a_closing_listener_resets_its_queue(void **state)
{
    (void)state;
    char *docs = slurp("docs/os-model.md");
    assert_non_null(strstr(docs, "lwIP resets every queued connection"));
    assert_non_null(strstr(docs, "`netconn_drain` calls `tcp_abort`"));
    free(docs);
}

/* ---- the man pages ---- */

/* A growing string. */
struct text {
    char *s;
    size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        assert_non_null(t->s);
    }
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = '\0';
}

/* Appends what a troff run shows in bold (or, in an example, in roman or bold) to out, each
 * run of shown characters followed by a space; font is the font the run starts in and comes
 * back as the font it ends in. In an example, '#' starts a comment: the rest is not shown. */
static void add_shown(struct text *out, const char *s, size_t n, char *font, bool example)
{
    for (size_t i = 0; i < n; i++) {
        bool shown = *font == 'B' || (example && *font == 'R');
        const char *put = s + i;
        size_t len = 1;
        if (s[i] == '\\' && i + 1 < n) {
            char e = s[++i];
            if (e == 'f' && i + 1 < n) {
                char f = s[++i];
                if (shown) text_add(out, " ", 1);
                *font = f == 'P' ? 'R' : f;
                continue;
            }
            if (e == '(' && i + 2 < n) {               /* \(dq and the other named glyphs */
                put = strncmp(s + i + 1, "dq", 2) == 0 ? "\"" : "";
                i += 2;
            } else if (e == 'e') put = "\\";
            else if (e == '-' || e == ' ') put = e == '-' ? "-" : " ";
            else put = "";                              /* \c \& and the like: nothing */
            len = strlen(put);
        }
        if (example && s[i] == '#') return;
        if (shown) text_add(out, put, len);
    }
    if (*font == 'B' || (example && *font == 'R')) text_add(out, " ", 1);
}

/* The next argument of a macro line: a word, or a "quoted" string. */
static bool next_arg(const char **p, const char **arg, size_t *len)
{
    while (**p == ' ') (*p)++;
    if (!**p) return false;
    bool quoted = **p == '"';
    *arg = *p + quoted;
    const char *end = quoted ? strchr(*arg, '"') : *arg + strcspn(*arg, " ");
    if (!end) end = *arg + strlen(*arg);
    *len = (size_t)(end - *arg);
    *p = end + (quoted && *end);
    return true;
}

/* What a man page shows as literal text: the bold words (.B, the bold halves of .BR .RB .BI
 * .IB, \fB...\fP in running text) and the lines of its .EX examples outside italics and
 * comments, troff's escapes undone. */
static char *man_literal(const char *path)
{
    char *src = slurp(path);
    struct text out = { 0 };
    text_add(&out, " ", 1);
    bool example = false;
    for (char *line = strtok(src, "\n"); line; line = strtok(NULL, "\n")) {
        char font = 'R';
        if (strcmp(line, ".EX") == 0 || strcmp(line, ".EE") == 0) {
            example = line[2] == 'X';
            continue;
        }
        if (line[0] != '.') {
            add_shown(&out, line, strlen(line), &font, example);
            continue;
        }
        static const struct { const char *macro; const char *fonts; } alternating[] = {
            { ".B ", "BB" }, { ".BR ", "BR" }, { ".RB ", "RB" }, { ".BI ", "BI" },
            { ".IB ", "IB" },
        };
        for (size_t m = 0; m < sizeof alternating / sizeof alternating[0]; m++) {
            size_t ml = strlen(alternating[m].macro);
            if (strncmp(line, alternating[m].macro, ml) != 0) continue;
            const char *p = line + ml, *arg;
            size_t len;
            for (int k = 0; next_arg(&p, &arg, &len); k++) {
                font = alternating[m].fonts[k % 2];
                add_shown(&out, arg, len, &font, false);
            }
        }
    }
    free(src);
    return out.s;
}

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '-'; }

/* Whether word occurs in text with no word character (letter, digit, '_', '-') either side. */
static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word))
        if ((p == text || !word_char(p[-1])) && !word_char(p[n])) return true;
    return false;
}

/* Fails naming every word of list (NUL-separated, ending in an empty word) page lacks. */
static void assert_page_has_words(const char *page, const char *list, const char *from)
{
    char *literal = man_literal(page);
    struct text missing = { 0 };
    for (const char *w = list; *w; w += strlen(w) + 1)
        if (!has_word(literal, w)) {
            text_add(&missing, " ", 1);
            text_add(&missing, w, strlen(w));
        }
    free(literal);
    if (missing.s) fail_msg("%s lacks, in bold or in an example, what %s has:%s", page, from, missing.s);
}

static void add_word(struct text *list, const char *w, size_t n)
{
    text_add(list, w, n);
    text_add(list, "", 1);   /* the NUL stays: the list is NUL-separated */
}

/* The output of `tcpsim --help`. */
static char *help_text(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s --help", tcpsim());
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    struct text out = { 0 };
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) text_add(&out, buf, n);
    assert_int_equal(pclose(p), 0);
    assert_non_null(out.s);
    return out.s;
}

/* Every command (each name of "run|check") and option the help lists, "-j" of "(-j;" too. */
static void test_man_tcpsim_1_has_every_command_and_option_of_the_help(void **state)
{
    (void)state;
    char *help = help_text();
    struct text words = { 0 };
    for (char *line = strtok(help, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "  ", 2) != 0 || line[2] == ' ') continue;
        const char *head = line + 2;
        size_t head_len = strcspn(head, " ");
        for (size_t i = 0; i < head_len; i += strcspn(head + i, "|") + 1)
            add_word(&words, head + i, strcspn(head + i, "| "));
        const char *shorts = strstr(line, "(-");
        if (shorts && isalpha((unsigned char)shorts[2]) && shorts[3] == ';') add_word(&words, shorts + 1, 2);
    }
    add_word(&words, "", 0);
    assert_true(words.len > 40);
    bool options_found = false;   /* the parse found the options */
    for (const char *w = words.s; *w; w += strlen(w) + 1) options_found |= strcmp(w, "--max-events") == 0;
    assert_true(options_found);
    assert_page_has_words("man/tcpsim.1", words.s, "tcpsim --help");
    free(words.s);
    free(help);
}

/* Every exit code of the help's "exit codes:" paragraph is an entry of EXIT STATUS. */
static void test_man_tcpsim_1_has_every_exit_code_of_the_help(void **state)
{
    (void)state;
    char *help = help_text(), *page = slurp("man/tcpsim.1");
    const char *codes = strstr(help, "exit codes:"), *section = strstr(page, "\n.SH EXIT STATUS\n");
    assert_non_null(codes);
    assert_non_null(section);
    int seen = 0;
    for (const char *c = codes; *c; c++) {
        bool starts = c[-1] == '\n' || (c[-1] == ' ' && (c[-2] == ':' || c[-2] == ','));
        if (!isdigit((unsigned char)*c) || c[1] != ' ' || !starts) continue;
        char entry[16];
        snprintf(entry, sizeof entry, "\n.B %c\n", *c);
        const char *next = strstr(section + 1, "\n.SH ");
        const char *at = strstr(section, entry);
        if (!at || (next && at > next)) fail_msg("man/tcpsim.1's EXIT STATUS lacks %c", *c);
        seen++;
    }
    assert_int_equal(seen, 5);
    free(help);
    free(page);
}

/* src with its C comments blanked (string and character literals left as they are). */
static char *without_comments(const char *path)
{
    char *src = slurp(path);
    for (char *p = src; *p; p++) {
        if (*p == '"' || *p == '\'') {
            char q = *p;
            for (p++; *p && *p != q; p++) p += *p == '\\' && p[1];
        } else if (p[0] == '/' && p[1] == '*') {
            char *end = strstr(p + 2, "*/");
            end = end ? end + 2 : p + strlen(p);
            memset(p, ' ', (size_t)(end - p));
            p = end - 1;
        } else if (p[0] == '/' && p[1] == '/') {
            while (*p && *p != '\n') *p++ = ' ';
            p--;
        }
    }
    return src;
}

/* Every string literal of the parser that is one word, lower case or upper case: its tables
 * of statements, steps, events, filters and conditions, the words it takes one by one (`every`,
 * `grace`, `jitter`, `error`), units, signal, state and errno names. A keyword added anywhere
 * in sim/scenario_parse.c is in this list, so it cannot be missed. */
static void test_man_tcpsim_scenario_5_has_every_keyword_of_the_parser(void **state)
{
    (void)state;
    /* one-word literals of the parser that are no keyword */
    static const char *const not_keywords[] = {
        "characters", "once", "fd",      /* words of error messages */
        "st", "nd", "th",                /* ordinal suffixes of rule names (drop-3rd; "rd" is a keyword) */
        "drop-nth", "drop-chance",       /* rule names only when the full name does not fit */
    };
    char *src = without_comments("sim/scenario_parse.c");
    struct text words = { 0 };
    size_t found = 0;
    for (char *p = src; (p = strpbrk(p, "\"'"));) {
        char q = *p++;
        size_t n = 0;
        while (p[n] && p[n] != q) n += p[n] == '\\' && p[n + 1] ? 2 : 1;
        bool lower = islower((unsigned char)p[0]), upper = isupper((unsigned char)p[0]);
        bool word = q == '"' && n > 0 && (lower || upper);
        for (size_t i = 1; word && i < n; i++)
            word = lower ? islower((unsigned char)p[i]) || isdigit((unsigned char)p[i]) ||
                               p[i] == '_' || p[i] == '-'
                         : isupper((unsigned char)p[i]) || isdigit((unsigned char)p[i]) ||
                               p[i] == '_';
        for (size_t k = 0; word && k < sizeof not_keywords / sizeof not_keywords[0]; k++)
            word = strlen(not_keywords[k]) != n || strncmp(p, not_keywords[k], n) != 0;
        if (word) {
            add_word(&words, p, n);
            found++;
        }
        p += n + (p[n] != '\0');
    }
    add_word(&words, "", 0);
    assert_true(found > 150);
    assert_page_has_words("man/tcpsim-scenario.5", words.s, "sim/scenario_parse.c");
    free(words.s);
    free(src);
}

/* Every identifier of the public headers a user writes: functions (tcpsim_*(...)), struct
 * and enum names, the members of struct tcpsim_config, TCPSIM_* macros and constants (the
 * include guards aside). */
static void test_man_libtcpsim_3_has_every_name_of_the_public_headers(void **state)
{
    (void)state;
    static const char *const headers[] = { "include/tcpsim/tcpsim.h", "include/tcpsim/posix.h" };
    struct text words = { 0 };
    size_t functions = 0;
    for (size_t h = 0; h < sizeof headers / sizeof headers[0]; h++) {
        char *src = without_comments(headers[h]);
        for (const char *p = src; *p; p++) {
            if (p != src && word_char(p[-1])) continue;
            size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
            const char *after = p + n + strspn(p + n, " ");
            const char *line = p;
            while (line > src && line[-1] != '\n') line--;
            bool function = strncmp(p, "tcpsim_", 7) == 0 && *after == '(' && *line != '#';
            bool type = (strncmp(p, "tcpsim", 6) == 0 && p - src >= 7 &&
                         (strncmp(p - 7, "struct ", 7) == 0 || strncmp(p - 5, "enum ", 5) == 0));
            bool constant = strncmp(p, "TCPSIM_", 7) == 0 && strncmp(p + n - 2, "_H", 2) != 0;
            if (n && (function || type || constant)) add_word(&words, p, n);
            functions += function;
            p += n ? n - 1 : 0;
        }
        const char *config = strstr(src, "struct tcpsim_config {");
        for (const char *m = config; m && *m != '}'; m++)   /* "<type> <name>;" members */
            if (*m == ';') {
                const char *b = m;
                while (word_char(b[-1])) b--;
                add_word(&words, b, (size_t)(m - b));
            }
        free(src);
    }
    add_word(&words, "", 0);
    assert_true(functions >= 50);
    assert_page_has_words("man/libtcpsim.3", words.s, "include/tcpsim/*.h");
    free(words.s);
}

static const char *const man_pages[] = { "man/tcpsim.1", "man/tcpsim-scenario.5", "man/libtcpsim.3" };

static void test_man_pages_carry_the_version(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof man_pages / sizeof man_pages[0]; i++) {
        char *page = slurp(man_pages[i]);
        char *eol = strchr(page, '\n');
        if (eol) *eol = '\0';
        if (strncmp(page, ".TH ", 4) != 0 || !strstr(page, "\"tcpsim " TCPSIM_VERSION "\""))
            fail_msg("%s: its .TH line says no \"tcpsim %s\": %s", man_pages[i], TCPSIM_VERSION, page);
        free(page);
    }
}

/* The text of the first .EX block after `.SH <section>` in page, escapes undone, into path. */
static void write_example(const char *page, const char *section, const char *path)
{
    char *src = slurp(page), head[64];
    snprintf(head, sizeof head, "\n.SH %s\n", section);
    char *ex = strstr(src, head);
    assert_non_null(ex);
    ex = strstr(ex, "\n.EX\n");
    assert_non_null(ex);
    ex += strlen("\n.EX\n");
    char *end = strstr(ex, "\n.EE\n");
    assert_non_null(end);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (const char *p = ex; p <= end; p++) {
        if (p[0] == '\\' && (p[1] == '-' || p[1] == 'e')) fputc(*++p == '-' ? '-' : '\\', f);
        else fputc(*p, f);
    }
    fclose(f);
    free(src);
}

/* The example passes `tcpsim check`; with a bad line added, the error is as ERRORS says. */
static void test_man_tcpsim_scenario_5_example_passes_check(void **state)
{
    (void)state;
    char scn[256], args[600], where[320];
    snprintf(scn, sizeof scn, "%s/man-example.scn", tmpdir);
    write_example("man/tcpsim-scenario.5", "EXAMPLE", scn);
    snprintf(args, sizeof args, "check %s --out %s/out", scn, tmpdir);
    int rc = run(args);
    if (rc != 0) fail_msg("the example of man/tcpsim-scenario.5 fails (exit %d):\n%s", rc, err_text);
    char *text = slurp(scn);
    int lines = 0;
    for (const char *c = text; *c; c++) lines += *c == '\n';
    free(text);
    FILE *f = fopen(scn, "a");
    assert_non_null(f);
    fputs("at 1s crash nowhere\n", f);
    fclose(f);
    assert_int_equal(run(args), 2);
    snprintf(where, sizeof where, "%s:%d:13: error: unknown host 'nowhere'", scn, lines + 1);
    assert_err_contains(where);
}

static void test_man_libtcpsim_3_example_compiles(void **state)
{
    (void)state;
    char c[256], cmd[600];
    snprintf(c, sizeof c, "%s/man-example.c", tmpdir);
    write_example("man/libtcpsim.3", "EXAMPLES", c);
    snprintf(cmd, sizeof cmd, "${CC:-cc} -std=gnu11 -fsyntax-only -Werror -Iinclude %s 2>&1", c);
    assert_int_equal(system(cmd), 0);
}

/* groff -ww: every warning; -z: no output. Without groff (make test installs it), skip. */
static void test_man_pages_render_without_warnings(void **state)
{
    (void)state;
    if (system("command -v groff >/dev/null 2>&1") != 0) {
        print_message("groff is not installed: the man pages' rendering is not checked here\n");
        skip();
    }
    for (size_t i = 0; i < sizeof man_pages / sizeof man_pages[0]; i++) {
        char cmd[512];
        snprintf(cmd, sizeof cmd, "groff -man -Tutf8 -ww -z %s 2>%s/groff.err", man_pages[i], tmpdir);
        assert_int_equal(system(cmd), 0);
        snprintf(cmd, sizeof cmd, "%s/groff.err", tmpdir);
        char *warnings = slurp(cmd);
        if (warnings[0]) fail_msg("groff warns about %s:\n%s", man_pages[i], warnings);
        free(warnings);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_state_change_cause_is_documented),
        cmocka_unit_test(test_link_faults_promise_only_fates_the_trace_shows),
        cmocka_unit_test(test_os_model_says_a_closing_listener_resets_its_queue),
        cmocka_unit_test(test_man_tcpsim_1_has_every_command_and_option_of_the_help),
        cmocka_unit_test(test_man_tcpsim_1_has_every_exit_code_of_the_help),
        cmocka_unit_test(test_man_tcpsim_scenario_5_has_every_keyword_of_the_parser),
        cmocka_unit_test(test_man_libtcpsim_3_has_every_name_of_the_public_headers),
        cmocka_unit_test(test_man_pages_carry_the_version),
        cmocka_unit_test(test_man_tcpsim_scenario_5_example_passes_check),
        cmocka_unit_test(test_man_libtcpsim_3_example_compiles),
        cmocka_unit_test(test_man_pages_render_without_warnings),
    };
    return cmocka_run_group_tests_name("docs", tests, setup, teardown);
}
