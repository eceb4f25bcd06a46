/* ab_pos.h — the anchors of the Anspruchsberechtigte list (sql/015): every AB_ANKER_ABSTAND-th
 * entry of an organisation's list (order name, vorname, nr) with its position, so that a page deep
 * in a large organisation starts at the anchor before it instead of skipping every entry before
 * it. Valid while ab_pos_stand.gueltig = 1; every import batch clears it for the organisations it
 * writes (in its own transaction; the import is the only writer of persons), ab_pos_recompute sets
 * it again. */
#ifndef MV_AB_POS_H
#define MV_AB_POS_H

#define AB_ANKER_ABSTAND 100

/* The anchors of every organisation that has persons and invalid anchors, each in one
 * transaction (anchors and the flag together). Returns the number of organisations recomputed,
 * -1 on a database error (the flags stay cleared: the list pages with OFFSET until the next run). */
long long ab_pos_recompute(void);

#endif
