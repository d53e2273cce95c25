#ifndef FICUS_CLI_STEP_H
#define FICUS_CLI_STEP_H
#include <stdio.h>
#include <cjson/cJSON.h>

#include "fc_gate.h"

cJSON *cli_step_json(const fc_step *st);
void cli_step_print(FILE *f, const fc_step *st, const char *indent);

#endif
