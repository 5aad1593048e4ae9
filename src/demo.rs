//! Synthetic demo data: realistic tickets and articles for trying hotro and for benchmarks.
//! Mostly Vietnamese with full diacritics, some Chinese and English; every name and phone
//! number is invented. Tickets are built and moved through their life with the same domain
//! functions an operator's commands use, so demo data obeys the state machine and every
//! ticket's version equals its number of events.

use crate::domain::key::key_year;
use crate::domain::org::Organisation;
use crate::domain::status::Status;
use crate::domain::ticket::{
    self, Change, Classification, Ctx, Event, LinkRelation, NewTicket, Requester, Ticket,
};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Duration, Utc};

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A generated ticket with its whole history.
pub struct DemoTicket {
    pub ticket: Ticket,
    pub events: Vec<Event>,
}

/// A generated knowledge-base article.
pub struct DemoArticle {
    pub reference: String,
    pub lang: &'static str,
    pub application: Option<String>,
    pub category: Option<String>,
    pub title: String,
    pub symptom: String,
    pub cause: String,
    pub resolution: String,
    pub tags: Vec<String>,
    pub author: String,
}

impl DemoArticle {
    /// As an import line: demo articles enter through the same path as real ones.
    pub fn into_input(self) -> crate::domain::kb::ArticleInput {
        crate::domain::kb::ArticleInput {
            reference: self.reference,
            lang: self.lang.to_string(),
            application: self.application,
            category: self.category,
            title: self.title,
            symptom: self.symptom,
            cause: self.cause,
            resolution: self.resolution,
            tags: self.tags,
            status: Some("published".into()),
            author: Some(self.author),
        }
    }
}

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh",
];
const MIDDLE: &[&str] = &[
    "Văn", "Thị", "Đức", "Minh", "Thu", "Quốc", "Ngọc", "Thanh", "Hữu", "Kim",
];
const GIVEN: &[&str] = &[
    "An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
    "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Quân", "Quỳnh", "Sơn", "Tâm",
    "Thảo", "Trang", "Tuấn", "Việt", "Yến", "Đạt",
];

/// (application, Vietnamese title, Vietnamese description, resolution)
const VI_CASES: &[(&str, &str, &str, &str)] = &[
    (
        "TABMIS",
        "Không đăng nhập được TABMIS, tài khoản bị khóa",
        "Người dùng nhập sai mật khẩu nhiều lần, hệ thống báo tài khoản đã bị khóa. Cần mở khóa gấp để kịp lập chứng từ cuối ngày.",
        "Đã mở khóa tài khoản trên TABMIS và hướng dẫn người dùng đổi mật khẩu theo chính sách 90 ngày.",
    ),
    (
        "TABMIS",
        "Lỗi đóng kỳ sổ cái trên TABMIS",
        "Khi đóng kỳ kế toán sổ cái, chương trình báo còn bút toán chưa kết sổ ở phân hệ AP.",
        "Hướng dẫn đơn vị kết sổ các bút toán AP còn treo rồi đóng kỳ lại; đã đóng kỳ thành công.",
    ),
    (
        "TABMIS",
        "Phân bổ dự toán báo vượt dự toán được giao",
        "Nhập phân bổ dự toán cấp 1 nhưng hệ thống báo vượt dự toán dù số liệu đúng với quyết định giao.",
        "Kiểm tra thấy dự toán điều chỉnh chưa được duyệt; sau khi duyệt, phân bổ được bình thường.",
    ),
    (
        "TCS-TT",
        "TCS-TT không kết nối được với ngân hàng phối hợp thu",
        "Chương trình thu ngân sách báo lỗi kết nối khi truyền chứng từ nộp thuế sang ngân hàng.",
        "Cấu hình lại địa chỉ kênh truyền và khởi động lại dịch vụ trao đổi dữ liệu; đã truyền lại thành công.",
    ),
    (
        "TCS-TT",
        "Sai mã chương, tiểu mục trên giấy nộp tiền",
        "Giấy nộp tiền vào NSNN đã hạch toán nhưng sai tiểu mục, đơn vị đề nghị điều chỉnh.",
        "Lập chứng từ điều chỉnh theo hướng dẫn nghiệp vụ và đối chiếu lại với cơ quan thuế.",
    ),
    (
        "TTSP",
        "Đối chiếu TTSP lệch số liệu cuối ngày",
        "Bảng kê đối chiếu thanh toán song phương cuối ngày lệch với số liệu của ngân hàng.",
        "Xác định lệnh thanh toán truyền trùng; đã hủy lệnh trùng và đối chiếu lại khớp đúng.",
    ),
    (
        "TTSP",
        "Lệnh thanh toán đi bị treo ở trạng thái chờ duyệt",
        "Lệnh thanh toán điện tử song phương không chuyển sang ngân hàng, trạng thái chờ duyệt quá 2 giờ.",
        "Kiểm soát viên duyệt lại lệnh; nguyên nhân là chữ ký số của kiểm soát viên hết hạn.",
    ),
    (
        "TTLKB",
        "Không nhận được lệnh thanh toán liên kho bạc",
        "KBNN huyện không nhận được lệnh chuyển tiền từ KBNN tỉnh gửi về trong ngày.",
        "Khởi động lại tiến trình nhận lệnh TTLKB tại đơn vị; các lệnh đã về đầy đủ.",
    ),
    (
        "KTKB-ANQP",
        "Lỗi in sổ kế toán KTKB-ANQP",
        "Khi in sổ chi tiết, chương trình báo lỗi và thoát ra màn hình chính.",
        "Cập nhật bản vá mới nhất của chương trình và cài lại trình điều khiển máy in.",
    ),
    (
        "QLTS",
        "Không khai báo được tài sản mới trên QLTS",
        "Màn hình khai báo tài sản báo thiếu mã loại tài sản dù đã chọn trong danh mục.",
        "Danh mục loại tài sản chưa được đồng bộ từ DMDC; đã đồng bộ lại danh mục.",
    ),
    (
        "Portal",
        "Cổng thông tin không cập nhật được tin bài",
        "Biên tập viên đăng tin bài lên cổng thông tin điện tử nhưng trang chủ không hiển thị.",
        "Xóa bộ nhớ đệm của cổng và phân quyền lại chuyên mục cho tài khoản biên tập.",
    ),
    (
        "Mail",
        "Hộp thư đầy, không nhận được thư mới",
        "Người dùng báo hộp thư điện tử đã đầy dung lượng, thư gửi đến bị trả lại.",
        "Hướng dẫn lưu trữ thư cũ ra máy trạm và tăng dung lượng hộp thư theo phiếu yêu cầu.",
    ),
    (
        "Mail",
        "Đề nghị tạo hộp thư điện tử cho cán bộ mới",
        "Đơn vị gửi phiếu yêu cầu 02/IID-KT đề nghị tạo hộp thư cho cán bộ mới chuyển đến.",
        "Đã tạo hộp thư và gửi thông tin đăng nhập cho đơn vị qua kênh bảo mật.",
    ),
    (
        "KTNB",
        "Kế toán nội bộ không kết chuyển được số dư cuối năm",
        "Chức năng kết chuyển số dư sang năm mới báo lỗi dữ liệu năm cũ chưa khóa sổ.",
        "Khóa sổ năm cũ theo hướng dẫn rồi chạy lại kết chuyển; số dư đã chuyển đúng.",
    ),
    (
        "THBC-ĐTKB-LAN",
        "Báo cáo tổng hợp sai số liệu tháng",
        "Báo cáo điện tử kho bạc tổng hợp tháng lệch với số liệu sổ kế toán.",
        "Chạy lại tổng hợp dữ liệu sau khi đồng bộ chứng từ muộn; báo cáo đã khớp.",
    ),
    (
        "DMDC",
        "Thiếu mã đơn vị quan hệ ngân sách trong danh mục dùng chung",
        "Đơn vị mới thành lập chưa có mã trong danh mục dùng chung nên không lập được chứng từ.",
        "Đã bổ sung mã đơn vị quan hệ ngân sách và đồng bộ xuống các hệ thống.",
    ),
    (
        "DVC",
        "Hồ sơ dịch vụ công trực tuyến không gửi được",
        "Đơn vị sử dụng ngân sách gửi hồ sơ trên cổng dịch vụ công nhưng báo lỗi chữ ký số.",
        "Hướng dẫn cài lại công cụ ký số và chứng thư số mới; hồ sơ đã gửi thành công.",
    ),
    (
        "VPN",
        "Không kết nối được VPN từ máy trạm",
        "Máy trạm tại huyện không kết nối được mạng riêng ảo về trung tâm dữ liệu.",
        "Cấp lại chứng thư VPN cho máy trạm và cấu hình lại phần mềm kết nối.",
    ),
    (
        "WORKSTATION",
        "Máy in không in được chứng từ",
        "Máy in kim tại quầy giao dịch không in được chứng từ, báo lỗi hàng đợi in.",
        "Xóa hàng đợi in, cài lại trình điều khiển ESC/P2 và in thử thành công.",
    ),
    (
        "WORKSTATION",
        "Đề nghị hỗ trợ kỹ thuật tại chỗ cài đặt máy trạm",
        "Đơn vị gửi phiếu 05/IID-KT đề nghị cán bộ hỗ trợ cài đặt máy trạm mới.",
        "Cán bộ kỹ thuật đã cài đặt, kiểm tra kết nối và bàn giao máy trạm cho đơn vị.",
    ),
];

const ZH_CASES: &[(&str, &str, &str)] = &[
    (
        "预算指标无法导入",
        "预算管理一体化系统导入指标文件时提示格式错误。",
        "按模板重新整理文件后导入成功。",
    ),
    (
        "网络连接失败",
        "客户端登录时提示网络连接失败，无法访问服务器。",
        "检查网络配置并重启客户端后恢复正常。",
    ),
    (
        "用户密码重置",
        "用户忘记密码，申请重置登录密码。",
        "已按流程核实身份并重置密码。",
    ),
    (
        "支付凭证数据修复",
        "支付凭证金额录入错误，需要数据修复。",
        "备份原始数据后按审批的修复方案更正。",
    ),
    (
        "统计报表需求",
        "需要新增按单位统计的月度支出报表。",
        "需求已评审通过，纳入下一版本发布。",
    ),
];

const EN_CASES: &[(&str, &str, &str)] = &[
    (
        "Cannot print payment order",
        "The payment order print preview is blank on the counter workstation.",
        "Reinstalled the printer driver and cleared the spooler.",
    ),
    (
        "Mailbox full",
        "The user's mailbox is full and incoming mail bounces.",
        "Archived old mail and raised the mailbox quota.",
    ),
    (
        "ORA-00054 when closing period",
        "Closing the period fails with ORA-00054 resource busy.",
        "Waited for the nightly job to release the lock, then closed the period.",
    ),
];

const NOTES: &[&str] = &[
    "Đã gọi điện xác nhận với người yêu cầu.",
    "Chờ đơn vị gửi ảnh chụp màn hình lỗi.",
    "Kiểm tra nhật ký hệ thống, chưa thấy lỗi tương tự ở đơn vị khác.",
    "Trùng với yêu cầu của tỉnh khác, theo dõi chung.",
];
const REPLIES: &[&str] = &[
    "Chúng tôi đã tiếp nhận yêu cầu và đang kiểm tra, sẽ phản hồi sớm.",
    "Đề nghị anh/chị thử lại sau khi khởi động lại chương trình.",
    "Đề nghị đơn vị gửi phiếu yêu cầu theo mẫu để được xử lý.",
];

fn person(rng: &mut Rng) -> String {
    format!(
        "{} {} {}",
        rng.pick(FAMILY),
        rng.pick(MIDDLE),
        rng.pick(GIVEN)
    )
}

/// An invented mobile number in the 09xx range.
fn phone(rng: &mut Rng) -> String {
    format!(
        "09{:02} {:03} {:03}",
        rng.below(100),
        rng.below(1000),
        rng.below(1000)
    )
}

/// What the demo records for each field a procedure step requires (a form, a plan, …).
const DEMO_STEP_RECORD: &str = "Đã lập, lưu hồ sơ (dữ liệu mẫu).";

/// The status a ticket of this age most likely has now: old ones are closed.
fn target_status(rng: &mut Rng, age_days: i64) -> Status {
    let roll = rng.below(100);
    if age_days > 30 {
        match roll {
            0..=84 => Status::Closed,
            85..=91 => Status::Resolved,
            92..=95 => Status::Cancelled,
            96..=97 => Status::WaitingVendor,
            _ => Status::InProgress,
        }
    } else {
        match roll {
            0..=11 => Status::New,
            12..=23 => Status::Assigned,
            24..=41 => Status::InProgress,
            42..=49 => Status::WaitingRequester,
            50..=55 => Status::WaitingVendor,
            56..=59 => Status::WaitingApproval,
            60..=74 => Status::Resolved,
            75..=96 => Status::Closed,
            _ => Status::Cancelled,
        }
    }
}

pub struct Generator<'a> {
    org: &'a Organisation,
    rng: Rng,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    total: usize,
}

impl<'a> Generator<'a> {
    /// Tickets spread over the year before `now`, oldest first.
    pub fn new(
        org: &'a Organisation,
        seed: u64,
        total: usize,
        now: DateTime<Utc>,
    ) -> Generator<'a> {
        Generator {
            org,
            rng: Rng::new(seed),
            start: now - Duration::days(365),
            now,
            total: total.max(1),
        }
    }

    fn operators_of(&self, group: &str) -> Vec<&'a str> {
        // People only: the mail intake's service operator works no tickets.
        self.org
            .operators
            .iter()
            .filter(|o| {
                o.group == group && !o.roles.contains(&crate::domain::org::Role::MailIntake)
            })
            .map(|o| o.login.as_str())
            .collect()
    }

    /// The `i`-th ticket (0-based) with its history; `None` only if the organisation in the
    /// config cannot hold the demo's choices (it then skips the ticket).
    pub fn ticket(&mut self, i: usize) -> Option<DemoTicket> {
        let org = self.org;
        let span = (self.now - self.start).num_seconds().max(1);
        let offset = span * i as i64 / self.total as i64;
        let created = self.start + Duration::seconds(offset) - Duration::minutes(30);
        let age_days = (self.now - created).num_days();
        let rng = &mut self.rng;

        let lang_roll = rng.below(100);
        let (title, description, resolution, application) = if lang_roll < 88 {
            let (app, t, d, r) = *rng.pick(VI_CASES);
            let app = org.application(app).map(|a| a.code.clone());
            (t.to_string(), d.to_string(), r.to_string(), app)
        } else if lang_roll < 95 {
            let (t, d, r) = *rng.pick(ZH_CASES);
            let app = org.application("BMIS").map(|a| a.code.clone());
            (t.to_string(), d.to_string(), r.to_string(), app)
        } else {
            let (t, d, r) = *rng.pick(EN_CASES);
            (t.to_string(), d.to_string(), r.to_string(), None)
        };
        let unit = if org.units.is_empty() {
            None
        } else {
            Some(rng.pick(&org.units).code.clone())
        };
        let requester_name = person(rng);
        let requester_phone = phone(rng);
        let level = |list: &[crate::domain::org::Coded], rng: &mut Rng| rng.pick(list).id.clone();
        let impact = level(&org.priority.impact, rng);
        let urgency = level(&org.priority.urgency, rng);
        let kind = rng.pick(&org.kinds).id.clone();
        let channel = rng.pick(&org.channels).id.clone();
        let category = if org.categories.is_empty() {
            None
        } else {
            Some(rng.pick(&org.categories).id.clone())
        };
        // A third of requests reach a provincial office first; the rest the central desk.
        let start_group = if rng.chance(30) {
            org.default_group_of_tier(2).map(|g| g.id.clone())
        } else {
            None
        };
        let new = NewTicket {
            title,
            description,
            kind: Some(kind),
            channel: Some(channel),
            requester: Requester {
                name: Some(requester_name),
                unit,
                phone: Some(requester_phone),
                email: None,
            },
            application: application.clone(),
            category: None,
            impact: Some(impact),
            urgency: Some(urgency),
            group: start_group,
            assignee: None,
            received_at: None,
        };
        let desk = org
            .operators
            .first()
            .map(|o| o.login.as_str())
            .unwrap_or("demo");
        let ctx = Ctx {
            org,
            actor: desk,
            now: created,
            by: None,
        };
        let (mut t, created_kind) = ticket::create(&new, ctx).ok()?;
        let mut events = vec![Event {
            ticket: String::new(),
            version: 1,
            at: created,
            actor: desk.to_string(),
            by: None,
            kind: created_kind,
        }];
        let target = target_status(&mut self.rng, age_days);
        let mut clock = created;
        let mut step = |rng: &mut Rng| {
            clock += Duration::minutes(5 + rng.below(240) as i64);
            clock.min(self.now)
        };
        let mut act = |t: &mut Ticket, change: Change, actor: &str, at: DateTime<Utc>| {
            let ctx = Ctx {
                org,
                actor,
                now: at,
                by: None,
            };
            if let Ok(e) = ticket::apply(t, change, ctx) {
                events.push(e);
            }
        };

        if target == Status::Cancelled {
            let at = step(&mut self.rng);
            act(
                &mut t,
                Change::SetStatus {
                    to: Status::Cancelled,
                    reason: Some("Người yêu cầu rút lại yêu cầu.".into()),
                },
                desk,
                at,
            );
            return Some(finish(t, events));
        }
        if target == Status::New {
            return Some(finish(t, events));
        }
        // Route: an owning group for the application, escalated there if needed.
        let owner = application
            .as_deref()
            .and_then(|a| org.application(a))
            .map(|a| a.group.clone());
        if t.tier < 3 && self.rng.chance(60) {
            let at = step(&mut self.rng);
            act(
                &mut t,
                Change::Escalate {
                    group: owner.clone(),
                    reason: "Vượt quá khả năng xử lý tại tỉnh, chuyển lên trung ương.".into(),
                    external_ref: None,
                },
                desk,
                at,
            );
        }
        let people = self.operators_of(&t.group);
        let assignee = if people.is_empty() {
            desk
        } else {
            *self.rng.pick(&people)
        };
        let at = step(&mut self.rng);
        let group = Some(t.group.clone());
        act(
            &mut t,
            Change::Assign {
                to: Some(assignee.to_string()),
                group,
            },
            assignee,
            at,
        );
        if self.rng.chance(50)
            && let Some(category) = &category
        {
            let at = step(&mut self.rng);
            act(
                &mut t,
                Change::Classify(Classification {
                    category: Some(category.clone()),
                    ..Classification::default()
                }),
                assignee,
                at,
            );
        }
        if target == Status::Assigned {
            return Some(finish(t, events));
        }
        let at = step(&mut self.rng);
        let reply = self.rng.pick(REPLIES).to_string();
        act(&mut t, Change::Reply { text: reply }, assignee, at);
        if self.rng.chance(30) {
            let at = step(&mut self.rng);
            let note = self.rng.pick(NOTES).to_string();
            act(&mut t, Change::Note { text: note }, assignee, at);
        }
        let waiting = |to: Status| Change::SetStatus { to, reason: None };
        match target {
            Status::InProgress | Status::WaitingRequester | Status::WaitingApproval => {
                let at = step(&mut self.rng);
                act(&mut t, waiting(Status::InProgress), assignee, at);
                if target != Status::InProgress {
                    let at = step(&mut self.rng);
                    act(&mut t, waiting(target), assignee, at);
                }
            }
            Status::WaitingVendor => {
                let vendors: Vec<String> = org
                    .groups
                    .iter()
                    .filter(|g| g.external && g.tier > t.tier)
                    .map(|g| g.id.clone())
                    .collect();
                if !vendors.is_empty() {
                    let vendor = self.rng.pick(&vendors).clone();
                    let at = step(&mut self.rng);
                    let reference = format!("VND-{:06}", self.rng.below(1_000_000));
                    act(
                        &mut t,
                        Change::Escalate {
                            group: Some(vendor),
                            reason: "Lỗi phần mềm, cần nhà thầu xử lý.".into(),
                            external_ref: Some(reference),
                        },
                        assignee,
                        at,
                    );
                }
            }
            Status::Resolved | Status::Closed => {
                // The ticket's procedure first, step by step (a pending step refuses the
                // resolution): each step's required records filled in, an approval step by
                // an operator who holds its role. A ticket solved upstream comes back to the
                // tier that escalated it, which resolves it in turn.
                for _ in 0..4 {
                    while let Some(s) = ticket::pending_step(&t, org) {
                        let actor = s
                            .role
                            .and_then(|role| org.operators.iter().find(|o| o.roles.contains(&role)))
                            .map_or(assignee, |o| o.login.as_str());
                        let fields = s
                            .requires
                            .iter()
                            .map(|r| (r.clone(), DEMO_STEP_RECORD.to_string()))
                            .collect();
                        let before = t.current_step.clone();
                        let at = step(&mut self.rng);
                        act(&mut t, Change::CompleteStep { fields, to: None }, actor, at);
                        if t.current_step == before {
                            break;
                        }
                    }
                    let at = step(&mut self.rng);
                    let resolution = resolution.clone();
                    let by = t.assignee.clone().unwrap_or_else(|| assignee.to_string());
                    let version = t.version;
                    act(&mut t, Change::Resolve { resolution }, &by, at);
                    if t.status == Status::Resolved || t.version == version {
                        break;
                    }
                }
                if target == Status::Closed {
                    let at = step(&mut self.rng);
                    let by = t
                        .requester
                        .name
                        .clone()
                        .or_else(|| Some(assignee.to_string()));
                    let via = t.channel.clone();
                    act(&mut t, Change::Confirm { by, via }, assignee, at);
                }
            }
            _ => {}
        }
        Some(finish(t, events))
    }

    /// Link some tickets as duplicates of earlier ones (seed 003: provinces raise the same
    /// problem). Returns the change for ticket `t`, if any, with the target key.
    pub fn maybe_duplicate(&mut self, t: &mut DemoTicket, earlier_key: Option<&str>) {
        let Some(target) = earlier_key else { return };
        if !self.rng.chance(3) || target == t.ticket.key {
            return;
        }
        let at = t.ticket.updated_at;
        let actor = t.events.last().map(|e| e.actor.clone()).unwrap_or_default();
        let ctx = Ctx {
            org: self.org,
            actor: &actor,
            now: at,
            by: None,
        };
        let change = Change::Link {
            relation: LinkRelation::DuplicateOf,
            target: target.to_string(),
            target_ancestors: Vec::new(),
        };
        if let Ok(e) = ticket::apply(&mut t.ticket, change, ctx) {
            t.events.push(e);
        }
    }

    pub fn article(&mut self, i: usize) -> DemoArticle {
        let rng = &mut self.rng;
        let author = self
            .org
            .operators
            .get(rng.below(self.org.operators.len().max(1)))
            .map(|o| o.login.clone())
            .unwrap_or_else(|| "demo".into());
        let roll = rng.below(100);
        let reference = format!("KB-{:06}", i + 1);
        if roll < 80 {
            let (app, t, d, r) = *rng.pick(VI_CASES);
            DemoArticle {
                reference,
                lang: "vi",
                application: Some(app.to_string()),
                category: self.org.categories.first().map(|c| c.id.clone()),
                title: t.to_string(),
                symptom: d.to_string(),
                cause: "Nguyên nhân đã được xác định khi xử lý yêu cầu tương tự.".into(),
                resolution: r.to_string(),
                tags: vec![app.to_lowercase()],
                author,
            }
        } else if roll < 92 {
            let (t, d, r) = *rng.pick(ZH_CASES);
            DemoArticle {
                reference,
                lang: "zh",
                application: Some("BMIS".into()),
                category: None,
                title: t.to_string(),
                symptom: d.to_string(),
                cause: "原因已在处理类似工单时确认。".into(),
                resolution: r.to_string(),
                tags: vec![],
                author,
            }
        } else {
            let (t, d, r) = *rng.pick(EN_CASES);
            DemoArticle {
                reference,
                lang: "en",
                application: None,
                category: None,
                title: t.to_string(),
                symptom: d.to_string(),
                cause: "Found while handling a similar request.".into(),
                resolution: r.to_string(),
                tags: vec![],
                author,
            }
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct FillOptions {
    pub tickets: usize,
    pub articles: usize,
    pub seed: u64,
    /// Tickets are spread over the year before this instant.
    pub now: DateTime<Utc>,
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FillCounts {
    pub tickets: usize,
    pub articles: usize,
}

/// Tickets per write transaction: big enough to amortise the commit, small enough to keep
/// memory flat and let other processes in between batches.
const BATCH: usize = 20_000;

/// Generate demo data into `store`. One thread generates while this one writes, so both
/// cores are busy. `progress` is called with the number of tickets written after each batch.
pub fn fill(
    store: &mut Store,
    org: &Organisation,
    opts: &FillOptions,
    mut progress: impl FnMut(usize),
) -> Result<FillCounts, StoreError> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<DemoTicket>>(4);
    let FillOptions {
        tickets: total,
        seed,
        now,
        ..
    } = *opts;
    let written = std::thread::scope(|scope| -> Result<usize, StoreError> {
        scope.spawn(move || {
            let mut g = Generator::new(org, seed, total, now);
            // At least about twenty batches, so that progress is seen moving.
            let size = BATCH.min((total / 20).max(1_000));
            let mut batch = Vec::with_capacity(size.min(total));
            for i in 0..total {
                if let Some(t) = g.ticket(i) {
                    batch.push(t);
                }
                if batch.len() == size && tx.send(std::mem::take(&mut batch)).is_err() {
                    return; // the writer stopped on an error
                }
            }
            if !batch.is_empty() {
                let _ = tx.send(batch);
            }
        });
        let mut written = 0usize;
        let mut linker = Generator::new(org, seed ^ 0xD0D0, total, now);
        let mut previous_key: Option<String> = None;
        for mut batch in rx {
            number_batch(store, org, &mut batch)?;
            for d in batch.iter_mut() {
                linker.maybe_duplicate(d, previous_key.as_deref());
                previous_key = Some(d.ticket.key.clone());
            }
            store.insert_generated(&batch, org, now)?;
            written += batch.len();
            progress(written);
        }
        Ok(written)
    })?;
    let first_article = usize::try_from(store.article_count()?).unwrap_or(0);
    let mut g = Generator::new(org, seed ^ 0xA27, opts.articles.max(1), now);
    let articles: Vec<_> = (0..opts.articles)
        .map(|i| g.article(first_article + i).into_input())
        .collect();
    for chunk in articles.chunks(BATCH) {
        store.import_articles(chunk, "demo", now)?;
    }
    Ok(FillCounts {
        tickets: written,
        articles: opts.articles,
    })
}

/// Give a batch its keys: reserve a range of each creation year's sequence, then number the
/// tickets in order (they are generated oldest first).
fn number_batch(
    store: &mut Store,
    org: &Organisation,
    batch: &mut [DemoTicket],
) -> Result<(), StoreError> {
    let mut next: Vec<(i32, u64)> = Vec::new();
    for d in batch.iter() {
        let y = key_year(d.ticket.created_at, org.time_zone);
        match next.iter_mut().find(|(year, _)| *year == y) {
            Some((_, n)) => *n += 1,
            None => next.push((y, 1)),
        }
    }
    for (year, count) in next.iter_mut() {
        *count = store.reserve_keys(*year, *count)?;
    }
    for d in batch.iter_mut() {
        let y = key_year(d.ticket.created_at, org.time_zone);
        if let Some((_, seq)) = next.iter_mut().find(|(year, _)| *year == y) {
            d.ticket.key = org.key_format.format(y, *seq);
            *seq += 1;
        }
        for e in d.events.iter_mut() {
            e.ticket = d.ticket.key.clone();
        }
    }
    Ok(())
}

fn finish(ticket: Ticket, events: Vec<Event>) -> DemoTicket {
    DemoTicket { ticket, events }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use chrono::TimeZone;

    #[test]
    fn generated_tickets_have_consistent_histories() {
        let cfg = config::embedded();
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
        let mut g = Generator::new(&cfg.org, 7, 2000, now);
        let mut statuses = std::collections::HashSet::new();
        let (mut old, mut old_closed) = (0, 0);
        for i in 0..2000 {
            let d = g
                .ticket(i)
                .expect("the shipped config holds every demo choice");
            if (now - d.ticket.created_at).num_days() > 31 {
                old += 1;
                old_closed += usize::from(d.ticket.status == Status::Closed);
            }
            assert_eq!(d.ticket.version as usize, d.events.len());
            for (n, e) in d.events.iter().enumerate() {
                assert_eq!(e.version as usize, n + 1);
            }
            assert!(d.ticket.updated_at <= now);
            statuses.insert(d.ticket.status);
        }
        // Most tickets older than a month are closed, as at a real desk (85 % are meant to
        // be): a procedure step left pending once kept two thirds of them open.
        assert!(
            old_closed * 100 >= old * 80,
            "{old_closed} of {old} old demo tickets closed"
        );
        for st in Status::ALL {
            assert!(statuses.contains(&st), "no demo ticket is {st}");
        }
    }

    #[test]
    fn same_seed_same_data() {
        let cfg = config::embedded();
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 3, 0, 0).unwrap();
        let a: Vec<_> = (0..50)
            .filter_map(|i| Generator::new(&cfg.org, 1, 50, now).ticket(i))
            .map(|d| d.ticket.title)
            .collect();
        let b: Vec<_> = (0..50)
            .filter_map(|i| Generator::new(&cfg.org, 1, 50, now).ticket(i))
            .map(|d| d.ticket.title)
            .collect();
        assert_eq!(a, b);
    }
}
