"""Treatment pathway: eligibility, regimens, schedules, follow-up decisions, CTCAE grading."""
