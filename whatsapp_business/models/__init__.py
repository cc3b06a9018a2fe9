from . import (
    whatsapp_account,
    whatsapp_price,
    whatsapp_template,
    whatsapp_template_button,
    whatsapp_template_variable,
    whatsapp_message,
    discuss_channel,
    res_partner,
    res_config_settings,
    mail_notification,
)
