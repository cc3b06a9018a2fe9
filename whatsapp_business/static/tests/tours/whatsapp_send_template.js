/** @odoo-module **/

import {registry} from "@web/core/registry";

/*
 * A salesperson opens a contact, clicks "Send WhatsApp", picks an approved
 * template, checks the merge fields filled in from the contact in the preview
 * and sends it.
 */
registry.category("web_tour.tours").add("whatsapp_send_template", {
    steps: () => [
        {
            content: "Open the Send WhatsApp wizard from the contact",
            trigger: ".o_form_view button[name='action_send_whatsapp']",
            run: "click",
        },
        {
            content: "Choose a template",
            trigger: ".modal .o_field_widget[name='template_id'] input",
            run: "edit order_update",
        },
        {
            content: "Pick the approved template",
            trigger: ".o-autocomplete--dropdown-item:contains('order_update')",
            run: "click",
        },
        {
            content: "Merge fields are filled in from the contact",
            trigger:
                ".modal .o_field_widget[name='preview']:contains('Hej Jens Jensen')",
        },
        {
            content: "Send",
            trigger: ".modal button[name='action_send']",
            run: "click",
        },
        {
            content: "The template shows in the WhatsApp conversation",
            trigger: ".o-mail-Message:contains('Hej Jens Jensen')",
        },
    ],
});
