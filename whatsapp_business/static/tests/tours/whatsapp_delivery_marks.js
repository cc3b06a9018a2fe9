/** @odoo-module **/

import {registry} from "@web/core/registry";

/*
 * An agent (Danish UI) opens a WhatsApp conversation in Discuss: the template
 * Meta delivered carries the WhatsApp mark "✓✓ Leveret".
 */
registry.category("web_tour.tours").add("whatsapp_delivery_marks", {
    steps: () => [
        {
            content: "The sent template is in the conversation",
            trigger: ".o-mail-Message:contains('spring_offer')",
        },
        {
            content: "It carries the WhatsApp delivered mark, in Danish",
            trigger:
                ".o-mail-Message .o-mail-Message-notification:has(.fa-whatsapp):contains('✓✓ Leveret')",
        },
    ],
});
