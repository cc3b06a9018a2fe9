/** @odoo-module **/

import {registry} from "@web/core/registry";

/*
 * A template Meta could not deliver (Danish UI): its WhatsApp mark says
 * "Mislykket" and the mark's popover gives Meta's reason.
 */
registry.category("web_tour.tours").add("whatsapp_failed_mark", {
    steps: () => [
        {
            content: "The failed template carries the failed mark, in Danish",
            trigger:
                ".o-mail-Message:contains('spring_offer') .o-mail-Message-notification:has(.fa-whatsapp.text-danger):contains('Mislykket')",
            timeout: 30000,
            run: "click",
        },
        {
            content: "The popover gives Meta's reason",
            trigger:
                ".o-mail-MessageNotificationPopover .o-whatsapp-FailureReason:contains('131026')",
        },
        {
            content: "The status icon's title carries the reason too",
            trigger: ".o-mail-MessageNotificationPopover i[title*='131026']",
        },
    ],
});
