//! The synonym groups (`synonyms::GROUPS`) analysed, under the English rules and under
//! everyone else's: each phrase's terms with whether each is a stop word. Written by
//! `SPINDESK_REGENERATE=1 cargo test -p spindesk-core synonym_terms` (a test checks it
//! against the analyser); do not edit by hand. Phrases of stop words only are left out.
//! The units are the phrases of more than one term without their stop words, each once
//! (`text::phrases`). Each group is written as the English rules analyse it, then as
//! the others do where that differs; a rule set's units are its own, then both's.

type Group = &'static [&'static [(&'static str, bool)]];
type Units = &'static [&'static [&'static str]];

pub(super) const GROUPS: &[(Group, Option<Group>)] = &[
    (
        &[
            &[("password", false)],
            &[("passcod", false)],
            &[("passwd", false)],
            &[("pwd", false)],
        ],
        Some(&[
            &[("password", false)],
            &[("passcode", false)],
            &[("passwd", false)],
            &[("pwd", false)],
        ]),
    ),
    (
        &[
            &[("login", false)],
            &[("log", false), ("in", true)],
            &[("sign", false), ("in", true)],
            &[("signin", false)],
            &[("log", false), ("on", true)],
            &[("logon", false)],
        ],
        Some(&[
            &[("login", false)],
            &[("log", false), ("in", false)],
            &[("sign", false), ("in", false)],
            &[("signin", false)],
            &[("log", false), ("on", false)],
            &[("logon", false)],
        ]),
    ),
    (
        &[
            &[("logout", false)],
            &[("log", false), ("out", false)],
            &[("sign", false), ("out", false)],
            &[("signout", false)],
        ],
        None,
    ),
    (
        &[
            &[("sign", false), ("up", false)],
            &[("signup", false)],
            &[("regist", false)],
            &[("registr", false)],
        ],
        Some(&[
            &[("sign", false), ("up", false)],
            &[("signup", false)],
            &[("register", false)],
            &[("registration", false)],
        ]),
    ),
    (
        &[
            &[("refund", false)],
            &[("money", false), ("back", false)],
            &[("reimburs", false)],
            &[("reimburs", false)],
            &[("repay", false)],
        ],
        Some(&[
            &[("refund", false)],
            &[("money", false), ("back", false)],
            &[("reimburse", false)],
            &[("reimbursement", false)],
            &[("repayment", false)],
        ]),
    ),
    (
        &[
            &[("cancel", false)],
            &[("cancel", false)],
            &[("unsubscrib", false)],
            &[("termin", false)],
        ],
        Some(&[
            &[("cancel", false)],
            &[("cancellation", false)],
            &[("unsubscribe", false)],
            &[("terminate", false)],
        ]),
    ),
    (
        &[&[("delet", false)], &[("remov", false)], &[("eras", false)]],
        Some(&[
            &[("delete", false)],
            &[("remove", false)],
            &[("erase", false)],
        ]),
    ),
    (
        &[
            &[("ship", false)],
            &[("deliveri", false)],
            &[("shipment", false)],
            &[("postag", false)],
        ],
        Some(&[
            &[("shipping", false)],
            &[("delivery", false)],
            &[("shipment", false)],
            &[("postage", false)],
        ]),
    ),
    (
        &[
            &[("track", false)],
            &[("track", false)],
            &[("trace", false)],
        ],
        Some(&[
            &[("tracking", false)],
            &[("track", false)],
            &[("trace", false)],
        ]),
    ),
    (
        &[
            &[("invoic", false)],
            &[("receipt", false)],
            &[("bill", false)],
        ],
        Some(&[
            &[("invoice", false)],
            &[("receipt", false)],
            &[("bill", false)],
        ]),
    ),
    (
        &[
            &[("email", false)],
            &[("e", true), ("mail", false)],
            &[("e", true), ("mail", false)],
        ],
        None,
    ),
    (
        &[
            &[("phone", false)],
            &[("mobil", false)],
            &[("cellphon", false)],
            &[("smartphon", false)],
        ],
        Some(&[
            &[("phone", false)],
            &[("mobile", false)],
            &[("cellphone", false)],
            &[("smartphone", false)],
        ]),
    ),
    (
        &[&[("app", false)], &[("applic", false)]],
        Some(&[&[("app", false)], &[("application", false)]]),
    ),
    (
        &[
            &[("2fa", false)],
            &[("two", false), ("factor", false)],
            &[("two", false), ("factor", false)],
            &[("mfa", false)],
            &[("multi", false), ("factor", false)],
            &[("otp", false)],
            &[("verif", false), ("code", false)],
        ],
        Some(&[
            &[("2fa", false)],
            &[("two", false), ("factor", false)],
            &[("two", false), ("factor", false)],
            &[("mfa", false)],
            &[("multi", false), ("factor", false)],
            &[("otp", false)],
            &[("verification", false), ("code", false)],
        ]),
    ),
    (
        &[&[("packag", false)], &[("parcel", false)]],
        Some(&[&[("package", false)], &[("parcel", false)]]),
    ),
    (
        &[
            &[("broken", false)],
            &[("damag", false)],
            &[("defect", false)],
            &[("faulti", false)],
        ],
        Some(&[
            &[("broken", false)],
            &[("damaged", false)],
            &[("defective", false)],
            &[("faulty", false)],
        ]),
    ),
    (
        &[
            &[("coupon", false)],
            &[("promo", false), ("code", false)],
            &[("discount", false), ("code", false)],
            &[("voucher", false)],
        ],
        None,
    ),
    (
        &[&[("subscript", false)], &[("membership", false)]],
        Some(&[&[("subscription", false)], &[("membership", false)]]),
    ),
    (
        &[&[("exchang", false)], &[("swap", false)]],
        Some(&[&[("exchange", false)], &[("swap", false)]]),
    ),
    (
        &[
            &[("usernam", false)],
            &[("user", false), ("name", false)],
            &[("user", false), ("id", true)],
        ],
        Some(&[
            &[("username", false)],
            &[("user", false), ("name", false)],
            &[("user", false), ("id", false)],
        ]),
    ),
    (
        &[
            &[("비밀", false), ("밀번", false), ("번호", false)],
            &[("비번", false)],
            &[("패스", false), ("스워", false), ("워드", false)],
            &[("암호", false)],
        ],
        None,
    ),
    (
        &[&[("로그", false), ("그인", false)], &[("접속", false)]],
        None,
    ),
    (
        &[
            &[("회원", false), ("원가", false), ("가입", false)],
            &[("가입", false)],
        ],
        None,
    ),
    (
        &[
            &[("환불", false)],
            &[("환급", false)],
            &[("돈을", false), ("돈", false), ("돌려", false)],
        ],
        None,
    ),
    (
        &[&[("취소", false)], &[("해지", false)], &[("철회", false)]],
        None,
    ),
    (
        &[
            &[("탈퇴", false)],
            &[("계정", false), ("삭제", false)],
            &[("회원", false), ("탈퇴", false)],
        ],
        None,
    ),
    (
        &[&[("배송", false)], &[("택배", false)], &[("배달", false)]],
        None,
    ),
    (
        &[
            &[("운송", false), ("송장", false)],
            &[("송장", false)],
            &[("배송", false), ("조회", false)],
        ],
        None,
    ),
    (
        &[
            &[("영수", false), ("수증", false)],
            &[("인보", false), ("보이", false), ("이스", false)],
            &[("전표", false)],
        ],
        None,
    ),
    (
        &[
            &[("결제", false)],
            &[("지불", false)],
            &[("페이", false), ("페", false)],
        ],
        None,
    ),
    (&[&[("교환", false)], &[("바꾸", false)]], None),
    (&[&[("반품", false)], &[("반송", false)]], None),
    (
        &[
            &[("쿠폰", false)],
            &[("할인", false), ("코드", false)],
            &[
                ("프로", false),
                ("로모", false),
                ("모션", false),
                ("코드", false),
            ],
        ],
        None,
    ),
    (
        &[
            &[("이메", false), ("메일", false)],
            &[("메일", false)],
            &[("전자", false), ("자우", false), ("우편", false)],
        ],
        None,
    ),
    (
        &[
            &[("휴대", false), ("대폰", false)],
            &[("핸드", false), ("드폰", false)],
            &[("휴대", false), ("대전", false), ("전화", false)],
            &[("스마", false), ("마트", false), ("트폰", false)],
        ],
        None,
    ),
    (
        &[
            &[("앱", false)],
            &[("어플", false)],
            &[
                ("애플", false),
                ("플리", false),
                ("리케", false),
                ("케이", false),
                ("이션", false),
            ],
            &[
                ("어플", false),
                ("플리", false),
                ("리케", false),
                ("케이", false),
                ("이션", false),
            ],
        ],
        None,
    ),
    (
        &[
            &[("2", false), ("단계", false), ("인증", false)],
            &[("2", false), ("차", false), ("인증", false)],
            &[("이중", false), ("인증", false)],
            &[("otp", false)],
        ],
        None,
    ),
    (
        &[
            &[("구독", false)],
            &[("멤버", false), ("버십", false)],
            &[("정기", false), ("기결", false), ("결제", false)],
        ],
        None,
    ),
    (
        &[
            &[("파손", false)],
            &[("깨짐", false)],
            &[("깨져", false)],
            &[("깨진", false)],
            &[("깨졌", false)],
            &[("불량", false)],
            &[("고장", false)],
        ],
        None,
    ),
    (
        &[&[("주소", false)], &[("배송", false), ("송지", false)]],
        None,
    ),
    (
        &[
            &[("아이", false), ("이디", false)],
            &[("계정", false), ("정명", false)],
        ],
        None,
    ),
];

pub(super) const ENGLISH_UNITS: Units = &[
    &["log", "out"],
    &["sign", "out"],
    &["sign", "up"],
    &["money", "back"],
    &["two", "factor"],
    &["multi", "factor"],
    &["verif", "code"],
    &["promo", "code"],
    &["discount", "code"],
    &["user", "name"],
];

pub(super) const OTHER_UNITS: Units = &[
    &["log", "in"],
    &["sign", "in"],
    &["log", "on"],
    &["log", "out"],
    &["sign", "out"],
    &["sign", "up"],
    &["money", "back"],
    &["two", "factor"],
    &["multi", "factor"],
    &["verification", "code"],
    &["promo", "code"],
    &["discount", "code"],
    &["user", "name"],
    &["user", "id"],
];

pub(super) const BOTH_UNITS: Units = &[
    &["비밀", "밀번", "번호"],
    &["패스", "스워", "워드"],
    &["로그", "그인"],
    &["회원", "원가", "가입"],
    &["돈을", "돈", "돌려"],
    &["계정", "삭제"],
    &["회원", "탈퇴"],
    &["운송", "송장"],
    &["배송", "조회"],
    &["영수", "수증"],
    &["인보", "보이", "이스"],
    &["페이", "페"],
    &["할인", "코드"],
    &["프로", "로모", "모션", "코드"],
    &["이메", "메일"],
    &["전자", "자우", "우편"],
    &["휴대", "대폰"],
    &["핸드", "드폰"],
    &["휴대", "대전", "전화"],
    &["스마", "마트", "트폰"],
    &["애플", "플리", "리케", "케이", "이션"],
    &["어플", "플리", "리케", "케이", "이션"],
    &["2", "단계", "인증"],
    &["2", "차", "인증"],
    &["이중", "인증"],
    &["멤버", "버십"],
    &["정기", "기결", "결제"],
    &["배송", "송지"],
    &["아이", "이디"],
    &["계정", "정명"],
];
