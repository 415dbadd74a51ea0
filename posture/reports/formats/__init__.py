"""The report formats: every module here is one ``--format``, named by its file (posture.reports
says what a format module declares). Nothing else belongs here: a helper module would become a
format; helpers go in ``posture.reports``."""
