import type { EmailType } from "./kinds.js";
import type { Language } from "./contacts.js";

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

type Data = Record<string, unknown>;
type Lines = (d: Data) => { subject: string; body: string[] };

const won = (n: unknown, lang: Language) => (lang === "ko" ? `${Number(n).toLocaleString("ko-KR")}원` : `KRW ${Number(n).toLocaleString("en-US")}`);
const s = (v: unknown) => String(v ?? "");

const ko: Record<EmailType, Lines> = {
  CouponClaimed: (d) => ({ subject: "쿠폰이 발급되었습니다", body: [`쿠폰을 받으셨습니다. (쿠폰 ${s(d.couponId)}, 발급 ${s(d.claimId)})`] }),
  OrderPaid: (d) => ({ subject: "결제가 완료되었습니다", body: [`주문 ${s(d.orderId)}의 결제가 완료되었습니다.`, `결제 금액: ${won(d.payableAmount, "ko")}`] }),
  PaymentFailed: (d) => ({ subject: "결제에 실패했습니다", body: [`주문 ${s(d.orderId)}의 결제에 실패했습니다.`, `사유: ${s(d.reason)}`] }),
  OrderRefunded: (d) => ({ subject: "환불되었습니다", body: [`주문 ${s(d.orderId)}의 결제 금액 ${won(d.amount, "ko")}이 환불되었습니다.`] }),
  GoodsAllocated: (d) => ({ subject: "사은품이 배정되었습니다", body: [`주문 ${s(d.orderId)}에 사은품 「${s(d.name)}」이 배정되었습니다.`] }),
  GoodsShipped: (d) => ({ subject: "사은품이 발송되었습니다", body: [`주문 ${s(d.orderId)}의 사은품이 발송되었습니다.`, `운송장 번호: ${s(d.trackingNo)}`] }),
};

const en: Record<EmailType, Lines> = {
  CouponClaimed: (d) => ({ subject: "Your coupon is claimed", body: [`You claimed a coupon (coupon ${s(d.couponId)}, claim ${s(d.claimId)}).`] }),
  OrderPaid: (d) => ({ subject: "Your order is paid", body: [`Order ${s(d.orderId)} is paid.`, `Amount: ${won(d.payableAmount, "en")}`] }),
  PaymentFailed: (d) => ({ subject: "Your payment failed", body: [`The payment of order ${s(d.orderId)} failed.`, `Reason: ${s(d.reason)}`] }),
  OrderRefunded: (d) => ({ subject: "Your order is refunded", body: [`${won(d.amount, "en")} of order ${s(d.orderId)} was refunded.`] }),
  GoodsAllocated: (d) => ({ subject: "A gift is yours", body: [`Order ${s(d.orderId)} gets the gift "${s(d.name)}".`] }),
  GoodsShipped: (d) => ({
    subject: "Your gift is on its way",
    body: [`The gift of order ${s(d.orderId)} has shipped.`, `Tracking number: ${s(d.trackingNo)}`],
  }),
};

const footer: Record<Language, string> = {
  ko: "Surge 알림입니다. 더 받지 않으시려면 연락처를 삭제하세요 (DELETE /me/contact).",
  en: "A Surge notification. To stop these, delete your contact (DELETE /me/contact).",
};

const escapeHtml = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The email of one notification, plain text and HTML, in the language recorded with the contact. */
export function renderEmail(type: EmailType, data: Data, language: Language): RenderedEmail {
  const { subject, body } = (language === "ko" ? ko : en)[type](data);
  const text = [...body, "", footer[language]].join("\n");
  const html = `<!doctype html><html lang="${language}"><body>${body.map((l) => `<p>${escapeHtml(l)}</p>`).join("")}<hr><p><small>${escapeHtml(footer[language])}</small></p></body></html>`;
  return { subject: `[Surge] ${subject}`, text, html };
}
