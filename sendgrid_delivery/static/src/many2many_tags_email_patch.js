import {useState} from "@odoo/owl";
import {FieldMany2ManyTagsEmail} from "@mail/views/web/fields/many2many_tags_email/many2many_tags_email";

import {patch} from "@web/core/utils/patch";

// Recipient chips of a contact whose address bounced permanently turn red
// and say when and why, as a chip without e-mail address already does.
patch(FieldMany2ManyTagsEmail.prototype, {
    setup() {
        super.setup();
        this.sendgridBounces = useState({warnings: {}});
    },
    async checkEmails() {
        await super.checkEmails();
        await this.loadBounceWarnings();
    },
    async loadBounceWarnings() {
        if (this.relation !== "res.partner") {
            return;
        }
        const ids = this.props.record.data[this.props.name].records
            .map((record) => record.resId)
            .filter(Boolean);
        if (!ids.length) {
            this.sendgridBounces.warnings = {};
            return;
        }
        const rows = await this.orm.searchRead(
            "res.partner",
            [
                ["id", "in", ids],
                ["is_email_invalid", "=", true],
            ],
            ["sendgrid_bounce_warning"]
        );
        this.sendgridBounces.warnings = Object.fromEntries(
            rows.map((row) => [row.id, row.sendgrid_bounce_warning])
        );
    },
    get tags() {
        const tags = super.tags;
        for (const tag of tags) {
            tag.bounceWarning = this.sendgridBounces.warnings[tag.resId] || false;
        }
        return tags;
    },
});
