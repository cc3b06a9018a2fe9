/** @odoo-module **/
import {registry} from "@web/core/registry";

registry.category("web_tour.tours").add("unitel_settings", {
    steps: () => [
        {
            content: "The Telephony settings show the pop-up address to paste",
            trigger:
                "#unitel_popup_url .o_field_widget[name=unitel_incoming_url]:contains('/unitel/incoming?number=')",
        },
        {
            content: "Choose the HTTP API mode",
            trigger: ".o_field_widget[name=unitel_call_mode] input[data-value=api]",
            run: "click",
        },
        {
            content: "Fill in the API URL",
            trigger: ".o_field_widget[name=unitel_api_url] input",
            run: "edit https://pbx.example.dk/api/originate",
        },
        {
            // saving settings reloads the whole page; the tour goes on after it
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Saved (the page reloads with the API fields still shown)",
            trigger:
                ".o_field_widget[name=unitel_api_url] input:value('https://pbx.example.dk/api/originate')",
        },
    ],
});
