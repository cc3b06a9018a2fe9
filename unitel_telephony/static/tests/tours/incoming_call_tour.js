/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("unitel_incoming_several", {
    steps: () => [
        {
            content: "Both contacts sharing the switchboard number are listed",
            trigger: ".o_list_view .o_data_row .o_data_cell:contains('Testbyg A/S')",
        },
        {
            content: "and only those two",
            trigger: ".o_list_view .o_data_row .o_data_cell:contains('Lone Testesen')",
            run: () => {
                const rows = document.querySelectorAll(".o_list_view .o_data_row");
                if (rows.length !== 2) {
                    throw new Error(`Expected 2 contacts, found ${rows.length}`);
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("unitel_incoming_new_contact", {
    steps: () => [
        {
            content: "A new contact form opens with the caller's number filled in",
            trigger:
                ".o_form_view .o_field_widget[name=phone] input:value('+45 40 40 40 40')",
        },
        {
            content: "Give the contact a name",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Ny Kunde ApS",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});
