/** @odoo-module **/
// The call button tells, before the click, that the contact is protected
// from marketing calls (when the view holds is_phone_marketing_blocked).
import {_t} from "@web/core/l10n/translation";
import {patch} from "@web/core/utils/patch";
import {PhoneField} from "@web/views/fields/phone/phone_field";

patch(PhoneField.prototype, {
    get unitelMarketingBlocked() {
        return Boolean(this.props.record.data.is_phone_marketing_blocked);
    },

    get unitelCallTitle() {
        return this.unitelMarketingBlocked
            ? _t("Call (protected from marketing calls: service calls only)")
            : _t("Call");
    },
});
