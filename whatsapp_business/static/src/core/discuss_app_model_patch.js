/** @odoo-module */

import {DiscussApp} from "@mail/core/public_web/discuss_app_model";
import {DiscussAppCategory} from "@mail/core/public_web/discuss_app_category_model";
import {Record} from "@mail/core/common/record";
import {compareDatetime} from "@mail/utils/common/misc";
import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";

export const WHATSAPP_CATEGORY_ID = "whatsapp_business.category_whatsapp";

/* A "WhatsApp" category in the Discuss sidebar, above "Direct messages". */
patch(DiscussApp.prototype, {
    setup(env) {
        super.setup(env);
        this.whatsapp = Record.one("DiscussAppCategory", {
            compute() {
                return {
                    extraClass: "o-mail-DiscussSidebarCategory-whatsapp",
                    icon: "fa fa-whatsapp",
                    hideWhenEmpty: true,
                    id: WHATSAPP_CATEGORY_ID,
                    name: _t("WhatsApp"),
                    sequence: 25,
                };
            },
        });
    },
});

patch(DiscussAppCategory.prototype, {
    sortThreads(t1, t2) {
        if (this.id === WHATSAPP_CATEGORY_ID) {
            // the latest conversation first, as in "Direct messages"
            return (
                compareDatetime(t2.lastInterestDt, t1.lastInterestDt) || t2.id - t1.id
            );
        }
        return super.sortThreads(t1, t2);
    },
});
