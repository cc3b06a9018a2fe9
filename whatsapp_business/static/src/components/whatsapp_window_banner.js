/** @odoo-module */

import {Component} from "@odoo/owl";
import {ChatWindow} from "@mail/core/common/chat_window";
import {Discuss} from "@mail/core/public_web/discuss";

/* Replaces the composer of a WhatsApp conversation once the 24-hour window
 * closed: only a template may restart it. */
export class WhatsappWindowBanner extends Component {
    static template = "whatsapp_business.WhatsappWindowBanner";
    static props = ["thread"];

    onClickTemplate() {
        return this.props.thread.whatsappOpenTemplateComposer();
    }
}

Discuss.components = {...Discuss.components, WhatsappWindowBanner};
ChatWindow.components = {...ChatWindow.components, WhatsappWindowBanner};
