# Source of articles.json (kept so the data can be reviewed and extended as text).
import json
A = []
def art(key, locale, section, title, body, labels=()):
    A.append({"key": key, "locale": locale, "section": section, "title": title,
              "body": body, "label_names": list(labels)})
en, ko = "en-us", "ko"
# ---- English ----
art("en-password-reset", en, "Account", "Reset a forgotten password",
    "<p>If you forgot your password, open the sign-in page and click <b>Forgot password?</b>. Enter the email address on your account and we will send you a reset link.</p><p>The link expires after 30 minutes. If the email does not arrive, check your spam folder.</p>", ["password", "sign-in"])
art("en-password-change", en, "Account", "Change your password",
    "<p>While you are signed in, go to <i>Settings &gt; Security</i> and choose <b>Change password</b>. Enter your current password, then the new one twice.</p><p>Use at least 10 characters. Changing your password signs you out on other devices.</p>", ["password", "security"])
art("en-2fa", en, "Account", "Turn on two-step verification",
    "<p>Two-step verification protects your account with a one-time code from an authenticator app or a text message in addition to your password.</p><p>Go to <i>Settings &gt; Security</i>, choose <b>Two-step verification</b> and scan the QR code with your authenticator app.</p>", ["security", "2fa"])
art("en-login-trouble", en, "Account", "I can't sign in to my account",
    "<p>If signing in fails, check that Caps Lock is off and that you use the email address you registered with. Clear your browser's cookies and try again.</p><p>Still stuck? Reset your password or contact support.</p>", ["sign-in"])
art("en-account-locked", en, "Account", "My account is locked",
    "<p>After five failed sign-in attempts in a row, we lock the account for 15 minutes to protect it. Wait and try again, or reset your password to unlock it right away.</p>", ["sign-in", "security"])
art("en-email-change", en, "Account", "Change the email address on your account",
    "<p>Go to <i>Settings &gt; Profile</i> and edit the email address. We send a confirmation link to the new address; the change takes effect once you click it.</p><p>Receipts and notifications go to the new address afterwards.</p>", ["profile", "email"])
art("en-delete-account", en, "Account", "Delete your account",
    "<p>To close your account permanently, go to <i>Settings &gt; Privacy</i> and choose <b>Delete account</b>. Your order history and saved addresses are erased after 30 days.</p><p>Cancel any active subscription first; deleting an account does not refund past orders.</p>", ["privacy"])
art("en-refund-timing", en, "Refunds and returns", "When will I get my refund?",
    "<p>Once we receive and check your return, we issue the refund within 2 business days. Your bank then needs 3 to 10 business days to show the money back on your card statement.</p><p>Refunds go to the original payment method.</p>", ["refund"])
art("en-refund-request", en, "Refunds and returns", "Request a refund",
    "<p>Open <i>Orders</i>, pick the order and choose <b>Request a refund</b>. Tell us the reason and which items it is for. Items must be unused and returned within 30 days.</p>", ["refund", "orders"])
art("en-return-item", en, "Refunds and returns", "Return an item",
    "<p>You can return most items within 30 days of delivery. Start a return from <i>Orders</i>, print the prepaid return label and drop the parcel at any post office.</p><p>Our return policy does not cover gift cards or opened cosmetics.</p>", ["returns"])
art("en-exchange-size", en, "Refunds and returns", "Exchange an item for another size",
    "<p>If clothes or shoes do not fit, request an exchange from <i>Orders</i> and choose the new size. We ship the replacement as soon as the original item is on its way back to us. Exchanges are free.</p>", ["returns", "exchange"])
art("en-cancel-order", en, "Orders", "Cancel an order",
    "<p>You can cancel an order until it ships. Open <i>Orders</i> and choose <b>Cancel order</b>. If the button is missing, the order has already shipped: return it instead once it arrives.</p><p>Cancelled orders are refunded in full.</p>", ["orders"])
art("en-change-address", en, "Orders", "Change the delivery address of an order",
    "<p>Entered the wrong address? Until the order ships you can edit the delivery address under <i>Orders &gt; Details</i>. After shipping, contact the carrier with your tracking number to redirect the package.</p>", ["orders", "delivery"])
art("en-track-order", en, "Shipping", "Track your package",
    "<p>When your order ships we email you a tracking number. Click it, or open <i>Orders</i>, to see where your package is and when it should arrive.</p><p>Tracking can take 24 hours to update after shipping.</p>", ["delivery", "tracking"])
art("en-shipping-times", en, "Shipping", "Shipping times and costs",
    "<p>Standard shipping takes 3 to 5 business days and costs $4.99; it is free for orders over $50. Express shipping arrives in 1 to 2 business days for $12.99.</p>", ["delivery"])
art("en-international-shipping", en, "Shipping", "International shipping and customs",
    "<p>We ship to over 40 countries. International delivery takes 7 to 14 days. Customs duties and import taxes are charged by the destination country and paid by the recipient.</p>", ["delivery", "international"])
art("en-damaged-item", en, "Orders", "I received a damaged or defective item",
    "<p>Sorry about that! Take a photo of the damage and of the box, then report it from <i>Orders</i> within 14 days. We send a replacement or refund the item; you don't need to return broken goods.</p>", ["orders", "returns"])
art("en-missing-item", en, "Orders", "An item is missing from my order",
    "<p>Large orders sometimes ship in several packages: check your emails for more than one tracking number. If an item is still missing after all packages arrived, tell us from <i>Orders</i> and we will send it.</p>", ["orders", "delivery"])
art("en-payment-methods", en, "Payments", "Which payment methods do you accept?",
    "<p>We accept Visa, Mastercard and American Express credit and debit cards, PayPal, Apple Pay and Google Pay. We do not accept cash on delivery or bank transfers.</p>", ["payment"])
art("en-payment-declined", en, "Payments", "Why was my card declined?",
    "<p>A payment can fail when the card has expired, the billing address does not match, or your bank blocked the charge. Check the card details, then try again or use another payment method. Your bank can tell you the exact reason.</p>", ["payment"])
art("en-charged-twice", en, "Payments", "I was charged twice for one order",
    "<p>A duplicate charge is usually a temporary authorization hold that disappears within 5 days. If both charges are still there after that, send us your bank statement and we refund the duplicate payment.</p>", ["payment", "refund"])
art("en-invoice", en, "Payments", "Download an invoice or receipt",
    "<p>Every order has an invoice: open <i>Orders</i>, pick the order and click <b>Download invoice</b> for a PDF. Business customers can add a VAT number under <i>Settings &gt; Billing</i> before buying.</p>", ["billing"])
art("en-cancel-subscription", en, "Subscriptions", "Cancel your subscription",
    "<p>Go to <i>Settings &gt; Subscription</i> and choose <b>Cancel subscription</b>. You keep access until the end of the current billing period and are not charged again. You can resubscribe at any time.</p>", ["subscription", "billing"])
art("en-change-plan", en, "Subscriptions", "Upgrade or downgrade your plan",
    "<p>Change your plan under <i>Settings &gt; Subscription</i>. Upgrades apply immediately and we charge the prorated difference; downgrades apply at the next billing date.</p>", ["subscription", "billing"])
art("en-billing-date", en, "Subscriptions", "Change your billing date",
    "<p>Your subscription renews on the same day each month. To move the billing date, go to <i>Settings &gt; Billing</i> and pick a new day; the next invoice is adjusted for the days in between.</p>", ["billing", "subscription"])
art("en-promo-code", en, "Payments", "Use a promo code",
    "<p>Enter the promo code in the <b>Discount code</b> field at checkout and click Apply. Codes are case-sensitive, can't be combined and often exclude sale items. Check the expiry date if a code is rejected.</p>", ["discount"])
art("en-gift-card", en, "Payments", "Gift cards: balance and use",
    "<p>Check a gift card's balance under <i>Settings &gt; Gift cards</i> by entering its number. At checkout choose Gift card as the payment method; any remaining amount can be paid by card.</p>", ["gift card", "payment"])
art("en-notifications", en, "App and website", "Turn off email and push notifications",
    "<p>Choose which notifications you get under <i>Settings &gt; Notifications</i>: order updates, marketing emails and push notifications on your phone can each be switched off. Order confirmations are always sent.</p>", ["notifications", "email"])
art("en-app-install", en, "App and website", "Install the mobile app",
    "<p>Our app is free on the App Store for iPhone and iPad and on Google Play for Android phones. Search for the shop's name, install it and sign in with your existing account.</p>", ["app"])
art("en-app-crash", en, "App and website", "The app crashes or won't open",
    "<p>Update the app to the latest version and restart your phone. If it still crashes on start, delete and reinstall the app; your account and orders are kept on our servers.</p>", ["app"])
art("en-contact-hours", en, "Contact", "Contact customer support",
    "<p>Our support team answers chat and email Monday to Friday, 9:00 to 18:00. You can call us at 1-800-555-0100 during the same hours. Outside opening hours, leave a message and we reply the next business day.</p>", ["contact"])
art("en-data-export", en, "Account", "Download a copy of your data",
    "<p>To export your personal data, go to <i>Settings &gt; Privacy</i> and choose <b>Download my data</b>. We email a link to a ZIP file with your profile, orders and messages within 48 hours.</p>", ["privacy"])
# ---- Korean ----
art("ko-password-reset", ko, "계정", "비밀번호를 잊어버렸을 때",
    "<p>비밀번호가 기억나지 않으면 로그인 화면에서 <b>비밀번호 찾기</b>를 누르세요. 가입한 이메일 주소를 입력하면 비밀번호 재설정 링크를 보내 드립니다.</p><p>링크는 30분 후 만료됩니다. 메일이 오지 않으면 스팸함을 확인해 주세요.</p>", ["비밀번호", "로그인"])
art("ko-password-change", ko, "계정", "비밀번호 변경하기",
    "<p>로그인한 상태에서 <i>설정 &gt; 보안</i>으로 이동해 <b>비밀번호 변경</b>을 선택하세요. 현재 비밀번호를 입력한 뒤 새 비밀번호를 두 번 입력합니다.</p><p>비밀번호를 바꾸면 다른 기기에서는 자동으로 로그아웃됩니다.</p>", ["비밀번호", "보안"])
art("ko-2fa", ko, "계정", "2단계 인증 설정하기",
    "<p>2단계 인증을 켜면 비밀번호와 함께 인증 앱이나 문자로 받은 일회용 인증번호를 입력해야 로그인할 수 있어 계정이 더 안전해집니다.</p><p><i>설정 &gt; 보안</i>에서 <b>2단계 인증</b>을 선택하고 인증 앱으로 QR 코드를 스캔하세요.</p>", ["보안"])
art("ko-login-trouble", ko, "계정", "로그인이 되지 않을 때",
    "<p>로그인에 실패하면 Caps Lock이 켜져 있지 않은지, 가입할 때 사용한 이메일 주소가 맞는지 확인해 주세요. 브라우저 쿠키를 삭제한 뒤 다시 시도해 보세요.</p><p>그래도 안 되면 비밀번호를 재설정하거나 고객센터에 문의해 주세요.</p>", ["로그인"])
art("ko-account-locked", ko, "계정", "계정이 잠겼어요",
    "<p>로그인을 연속으로 5회 실패하면 계정 보호를 위해 15분 동안 계정이 잠깁니다. 잠시 후 다시 시도하시거나 비밀번호를 재설정하면 바로 잠금이 해제됩니다.</p>", ["로그인", "보안"])
art("ko-email-change", ko, "계정", "이메일 주소 변경하기",
    "<p><i>설정 &gt; 프로필</i>에서 이메일 주소를 수정하세요. 새 주소로 확인 메일이 발송되며, 메일의 링크를 누르면 변경이 완료됩니다.</p><p>이후 영수증과 알림은 새 이메일로 발송됩니다.</p>", ["프로필", "이메일"])
art("ko-delete-account", ko, "계정", "회원 탈퇴하기",
    "<p>계정을 완전히 삭제하려면 <i>설정 &gt; 개인정보</i>에서 <b>회원 탈퇴</b>를 선택하세요. 주문 내역과 저장된 배송지는 30일 후 삭제됩니다.</p><p>이용 중인 구독이 있다면 먼저 해지해 주세요. 탈퇴해도 지난 주문은 환불되지 않습니다.</p>", ["개인정보"])
art("ko-refund-timing", ko, "환불 및 반품", "환불은 언제 되나요?",
    "<p>반품된 상품이 도착해 검수가 끝나면 영업일 기준 2일 안에 환불을 진행합니다. 카드사 사정에 따라 환불 금액이 카드 명세서에 반영되기까지 3~10영업일이 걸릴 수 있습니다.</p><p>환불은 결제한 수단으로 돌려드립니다.</p>", ["환불"])
art("ko-refund-request", ko, "환불 및 반품", "환불 신청하기",
    "<p><i>주문 내역</i>에서 해당 주문을 선택하고 <b>환불 신청</b>을 누르세요. 환불 사유와 상품을 선택해 주시면 됩니다. 사용하지 않은 상품만 30일 이내에 환불받을 수 있습니다.</p>", ["환불", "주문"])
art("ko-return-item", ko, "환불 및 반품", "상품 반품하기",
    "<p>대부분의 상품은 배송 완료 후 30일 이내에 반품할 수 있습니다. <i>주문 내역</i>에서 반품을 신청하고 반품 라벨을 출력해 가까운 우체국이나 편의점 택배로 보내 주세요.</p><p>기프트카드와 개봉한 화장품은 반품이 불가합니다.</p>", ["반품"])
art("ko-exchange-size", ko, "환불 및 반품", "사이즈 교환하기",
    "<p>옷이나 신발의 사이즈가 맞지 않으면 <i>주문 내역</i>에서 교환을 신청하고 원하는 사이즈를 선택하세요. 기존 상품이 회수되는 대로 새 상품을 발송해 드리며, 교환 배송비는 무료입니다.</p>", ["반품", "교환"])
art("ko-cancel-order", ko, "주문", "주문 취소하기",
    "<p>상품이 발송되기 전까지는 주문을 취소할 수 있습니다. <i>주문 내역</i>에서 <b>주문 취소</b>를 누르세요. 버튼이 보이지 않으면 이미 발송된 것이니 받으신 뒤 반품해 주세요.</p><p>취소된 주문은 전액 환불됩니다.</p>", ["주문"])
art("ko-change-address", ko, "주문", "배송지 주소 변경하기",
    "<p>주소를 잘못 입력하셨나요? 발송 전까지는 <i>주문 상세</i>에서 배송지를 수정할 수 있습니다. 이미 발송되었다면 운송장 번호로 택배사에 연락해 배송지 변경을 요청해 주세요.</p>", ["주문", "배송"])
art("ko-track-order", ko, "배송", "배송 조회하기",
    "<p>상품이 발송되면 운송장 번호를 메일과 문자로 보내 드립니다. <i>주문 내역</i>에서 배송 조회를 누르면 택배가 지금 어디에 있는지, 언제 도착하는지 확인할 수 있습니다.</p><p>발송 후 조회가 되기까지 최대 24시간이 걸릴 수 있습니다.</p>", ["배송"])
art("ko-shipping-times", ko, "배송", "배송 기간과 배송비",
    "<p>일반 배송은 영업일 기준 2~3일 걸리며 배송비는 3,000원입니다. 5만 원 이상 주문하면 무료 배송입니다. 제주 및 도서산간 지역은 추가 배송비가 있습니다.</p>", ["배송"])
art("ko-international-shipping", ko, "배송", "해외 배송과 관세",
    "<p>40여 개 국가로 해외 배송이 가능하며 7~14일이 걸립니다. 관세와 부가세는 도착 국가에서 부과되며 받는 분이 부담합니다.</p>", ["배송", "해외"])
art("ko-damaged-item", ko, "주문", "파손되거나 불량인 상품을 받았어요",
    "<p>불편을 드려 죄송합니다. 상품이 깨지거나 파손된 부분과 상자를 사진으로 찍어 14일 이내에 <i>주문 내역</i>에서 접수해 주세요. 새 상품으로 교환하거나 환불해 드리며, 불량 상품은 돌려보내지 않으셔도 됩니다.</p>", ["주문", "반품"])
art("ko-missing-item", ko, "주문", "상품이 누락되었어요",
    "<p>주문 상품이 많으면 여러 상자로 나뉘어 발송될 수 있으니 운송장 번호가 여러 개인지 확인해 주세요. 모든 택배를 받았는데도 빠진 상품이 있으면 <i>주문 내역</i>에서 누락 신고를 해 주세요.</p>", ["주문", "배송"])
art("ko-payment-methods", ko, "결제", "사용할 수 있는 결제 수단",
    "<p>신용카드와 체크카드, 카카오페이, 네이버페이, 토스페이, 휴대폰 결제를 사용할 수 있습니다. 무통장 입금은 지원하지 않습니다.</p>", ["결제"])
art("ko-payment-declined", ko, "결제", "카드 결제가 거절될 때",
    "<p>카드 유효기간이 지났거나 한도가 초과되었거나 카드사에서 결제를 막은 경우 결제가 실패할 수 있습니다. 카드 정보를 확인한 뒤 다시 시도하거나 다른 결제 수단을 이용해 주세요. 정확한 사유는 카드사에서 확인할 수 있습니다.</p>", ["결제"])
art("ko-charged-twice", ko, "결제", "결제가 두 번 되었어요",
    "<p>중복 결제처럼 보이는 내역은 대부분 일시적인 승인 내역으로 5일 안에 자동 취소됩니다. 그 후에도 두 건이 모두 남아 있으면 카드 명세서를 보내 주세요. 중복 결제 금액을 환불해 드립니다.</p>", ["결제", "환불"])
art("ko-invoice", ko, "결제", "영수증과 세금계산서 발급",
    "<p>모든 주문의 영수증은 <i>주문 내역</i>에서 <b>영수증 보기</b>를 눌러 PDF로 받을 수 있습니다. 사업자 고객은 구매 전에 <i>설정 &gt; 결제 정보</i>에서 사업자등록번호를 입력하면 세금계산서가 발행됩니다.</p>", ["결제"])
art("ko-cancel-subscription", ko, "구독", "구독 해지하기",
    "<p><i>설정 &gt; 구독</i>에서 <b>구독 해지</b>를 선택하세요. 현재 결제 기간이 끝날 때까지는 계속 이용할 수 있으며 이후 추가 결제는 되지 않습니다. 언제든 다시 구독할 수 있습니다.</p>", ["구독"])
art("ko-change-plan", ko, "구독", "요금제 업그레이드와 다운그레이드",
    "<p><i>설정 &gt; 구독</i>에서 요금제를 변경할 수 있습니다. 업그레이드는 즉시 적용되고 차액이 결제되며, 다운그레이드는 다음 결제일부터 적용됩니다.</p>", ["구독", "결제"])
art("ko-billing-date", ko, "구독", "결제일 변경하기",
    "<p>구독은 매달 같은 날짜에 자동으로 결제됩니다. 정기 결제일을 바꾸려면 <i>설정 &gt; 결제 정보</i>에서 새 날짜를 선택하세요. 다음 결제 금액은 날짜 차이만큼 조정됩니다.</p>", ["구독", "결제"])
art("ko-promo-code", ko, "결제", "할인 쿠폰 사용하기",
    "<p>결제 단계의 <b>쿠폰</b> 입력란에 쿠폰 번호를 입력하고 적용을 누르세요. 쿠폰은 중복 사용이 불가하며 세일 상품에는 적용되지 않을 수 있습니다. 쿠폰이 적용되지 않으면 사용 기한을 확인해 주세요.</p>", ["할인"])
art("ko-gift-card", ko, "결제", "기프트카드 잔액 확인과 사용",
    "<p><i>설정 &gt; 기프트카드</i>에서 카드 번호를 입력하면 잔액을 확인할 수 있습니다. 결제할 때 결제 수단으로 기프트카드를 선택하고, 부족한 금액은 신용카드로 결제할 수 있습니다.</p>", ["기프트카드", "결제"])
art("ko-notifications", ko, "앱과 웹사이트", "알림 끄기",
    "<p><i>설정 &gt; 알림</i>에서 받을 알림을 고를 수 있습니다. 주문 알림, 마케팅 이메일, 휴대폰 푸시 알림을 각각 끌 수 있으며, 주문 확인 메일은 항상 발송됩니다.</p>", ["알림"])
art("ko-app-install", ko, "앱과 웹사이트", "모바일 앱 설치하기",
    "<p>앱은 아이폰용 App Store와 안드로이드용 Google Play에서 무료로 받을 수 있습니다. 쇼핑몰 이름을 검색해 설치한 뒤 기존 계정으로 로그인하세요.</p>", ["앱"])
art("ko-app-crash", ko, "앱과 웹사이트", "앱이 꺼지거나 실행되지 않을 때",
    "<p>앱을 최신 버전으로 업데이트하고 휴대폰을 재시작해 보세요. 실행하자마자 계속 종료된다면 앱을 삭제한 뒤 다시 설치해 주세요. 계정과 주문 정보는 서버에 안전하게 보관됩니다.</p>", ["앱"])
art("ko-contact-hours", ko, "고객센터", "고객센터 운영 시간과 연락처",
    "<p>고객센터는 평일 오전 9시부터 오후 6시까지 채팅과 이메일로 상담합니다. 같은 시간에 전화 1588-0000으로도 연락하실 수 있습니다. 운영 시간 외에 남긴 문의는 다음 영업일에 답변드립니다.</p>", ["고객센터"])
art("ko-data-export", ko, "계정", "내 데이터 다운로드하기",
    "<p>개인정보를 내려받으려면 <i>설정 &gt; 개인정보</i>에서 <b>내 데이터 다운로드</b>를 선택하세요. 프로필, 주문 내역, 메시지가 담긴 ZIP 파일 링크를 48시간 안에 이메일로 보내 드립니다.</p>", ["개인정보"])
json.dump(A, open("articles.json", "w"), ensure_ascii=False, indent=1)
print(len(A), "articles")
