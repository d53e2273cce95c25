#ifndef FICUS_CLI_STEP_H
#define FICUS_CLI_STEP_H
#include <stdio.h>
#include <cjson/cJSON.h>

#include "fc_gate.h"
#include "fc_plan.h"

cJSON *cli_step_json(const fc_step *st);
void cli_step_print(FILE *f, const fc_step *st, const char *indent);

/* When the step's gates open, in words: "now", "2025-01-08T00:00:00Z (in 7d)",
 * or "when the evidence is in" (a gate that waits for more than time). */
void cli_step_opens(char *buf, size_t size, const fc_step *st);

/* After a change on a terminal: "next: read-cutover 10%, gates open 2025-01-08T00:00:00Z (in 7d)". */
struct cli;
void cli_next_after(struct cli *c, fc_plan *p, const char *service);

#endif
