from . import consent_action_wizard, consent_init_report, consent_init_report_line
