/** @odoo-module **/

import {registry} from "@web/core/registry";

/*
 * The 24-hour window closed (Danish UI): the composer is replaced by a banner
 * giving the window's end in the agent's date format and time zone, whose
 * button opens the Send WhatsApp wizard.
 */
registry.category("web_tour.tours").add("whatsapp_closed_window", {
    steps: () => [
        {
            content: "A banner replaces the composer, in Danish",
            trigger:
                ".o-mail-Discuss-content:not(:has(.o-mail-Composer-input)) .o-whatsapp-WindowBanner:contains('24-timersvinduet lukkede 06-01-2025 09:30'):contains('send en skabelon for at genstarte samtalen')",
            timeout: 30000,
        },
        {
            content: "The header says the window closed",
            trigger:
                ".o-mail-Discuss-header .o-whatsapp-DiscussHeader:contains('24-timersvinduet lukkede 06-01-2025 09:30')",
        },
        {
            content: "The banner's button opens the template wizard",
            trigger: ".o-whatsapp-WindowBanner button:contains('Send skabelon')",
            run: "click",
        },
        {
            content: "The Send WhatsApp wizard is open",
            trigger: ".modal .o_field_widget[name='template_id'] input",
        },
    ],
});
