/* sharedir — where an installed tcpsim finds its data (the scenario catalog).
 *
 * An install puts the binary in $(PREFIX)/bin and the data in $(PREFIX)/share/tcpsim; PREFIX
 * may be chosen at install time, after the build, or the tree moved (DESTDIR staging). So the
 * share dir is first looked for next to the running executable (<dir of /proc/self/exe>/../
 * share/tcpsim), and only then is the one compiled in used (TCPSIM_SHARE, the PREFIX of the
 * build). Returned strings are static; nothing here prints. */
#ifndef TCPSIM_SHAREDIR_H
#define TCPSIM_SHAREDIR_H

/* <share>/scenarios: the one beside the executable if it is a directory, else the compiled-in
 * one (which may not exist: the caller reports that). */
const char *sharedir_scenarios(void);
/* The compiled-in share dir (TCPSIM_SHARE). */
const char *sharedir_builtin(void);

#endif
