from . import (
    consent_purpose,
    consent_event,
    consent_record,
    res_partner,
    consent_initializer,
    res_config_settings,
    base_partner_merge_automatic_wizard,
)
