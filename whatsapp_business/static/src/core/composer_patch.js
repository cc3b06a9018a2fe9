/** @odoo-module */

import {Composer} from "@mail/core/common/composer";
import {patch} from "@web/core/utils/patch";

/* The template button of a WhatsApp conversation's composer. */
patch(Composer.prototype, {
    get hasWhatsappTemplateButton() {
        return Boolean(
            this.thread?.whatsapp_conversation && !this.props.composer.message
        );
    },
    onClickWhatsappTemplate() {
        return this.thread.whatsappOpenTemplateComposer();
    },
});
