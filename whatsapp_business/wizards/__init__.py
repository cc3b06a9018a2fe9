from . import whatsapp_composer, whatsapp_composer_variable
