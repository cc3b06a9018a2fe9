import {registry} from "@web/core/registry";

// An administrator checks the sending domain from the SendGrid settings and
// sees which DNS records are in place and which record to add.
registry.category("web_tour.tours").add("sendgrid_domain_check_tour", {
    steps: () => [
        {
            content: "Open the domain check from the SendGrid settings",
            trigger:
                "#sendgrid_domain_setting button[name='action_sendgrid_check_domain']",
            run: "click",
        },
        {
            content: "DKIM s1 of the sender domain is found",
            trigger:
                ".modal .o_data_row:contains('s1._domainkey.sg-tour.example'):contains('Found')",
        },
        {
            content: "DMARC is missing, with the record to add",
            trigger:
                ".modal .o_data_row:contains('_dmarc.sg-tour.example'):contains('Missing'):contains('v=DMARC1; p=none')",
        },
        {
            content: "Close",
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
    ],
});

// A salesperson opens a contact whose address bounced: the banner tells why,
// the E-mail log lists the bounce.
registry.category("web_tour.tours").add("sendgrid_partner_log_tour", {
    steps: () => [
        {
            content: "The bounce banner shows the reason",
            trigger:
                ".o_form_view .alert-warning:contains('The e-mail address bounced'):contains('550 5.1.1 no such user')",
        },
        {
            content: "Open the E-mail log",
            trigger: ".o_form_view button[name='action_open_sendgrid_events']",
            run: "click",
        },
        {
            content: "The bounce is in the log",
            trigger:
                ".o_list_view .o_data_row:contains('Bounced'):contains('550 5.1.1 no such user')",
        },
    ],
});

// The salesperson's view of their customers' e-mail behaviour this month.
registry.category("web_tour.tours").add("sendgrid_my_customers_tour", {
    steps: () => [
        {
            content: "Filtered on my customers and this period",
            trigger: ".o_searchview .o_facet_value:contains('My customers')",
        },
        {
            content: "My customer is a row of the pivot",
            trigger: ".o_pivot .o_pivot_header_cell_closed:contains('Anne Andersen')",
        },
        {
            content: "Opens are a column",
            trigger: ".o_pivot th:contains('Opened')",
        },
        {
            content: "Another salesperson's customer is not listed",
            trigger: ".o_pivot:not(:has(th:contains('Bram de Vries')))",
        },
    ],
});

// The chatter's recipient list shows that the customer clicked the e-mail.
registry.category("web_tour.tours").add("sendgrid_chatter_status_tour", {
    steps: () => [
        {
            content: "Open the recipients of the message",
            trigger:
                ".o-mail-Message:contains('Hej Anne') .o-mail-Message-notification",
            run: "click",
        },
        {
            content: "Anne clicked the e-mail",
            trigger:
                ".o-mail-MessageNotificationPopover:contains('Anne Andersen') i.fa-mouse-pointer[title='Clicked']",
        },
    ],
});

// Writing to a contact whose address bounced: the composer says when and why,
// and the recipient chip turns red with the same words.
registry.category("web_tour.tours").add("sendgrid_composer_bounce_tour", {
    steps: () => [
        {
            content: "The composer warns about the bounced recipient",
            trigger:
                ".o_sendgrid_bounce_warning:contains('This address bounced on'):contains('550 5.1.1 no such user')",
        },
        {
            content: "The bounced recipient's chip is marked",
            trigger:
                ".o_field_many2many_tags_email .o_tag.o_sendgrid_bounced:contains('Anne Andersen') i[title*='550 5.1.1 no such user']",
        },
        {
            content: "The other recipient's chip is not",
            trigger:
                ".o_field_many2many_tags_email .o_tag:not(.o_sendgrid_bounced):contains('Bram de Vries')",
        },
    ],
});
