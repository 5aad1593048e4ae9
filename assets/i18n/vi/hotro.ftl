### Vietnamese messages for hotro. Ids mirror the code's dotted ids with "-" for ".".
### Phải có đúng các id và biến như en/hotro.ftl (có kiểm thử).

## status
status-new = mới
status-assigned = đã phân công
status-in_progress = đang xử lý
status-waiting_requester = chờ người yêu cầu
status-waiting_vendor = chờ nhà thầu
status-waiting_approval = chờ phê duyệt
status-resolved = đã giải quyết
status-closed = đã đóng
status-cancelled = đã hủy

## field
field-key = Mã phiếu
field-title = Tiêu đề
field-status = Trạng thái
field-kind = Loại yêu cầu
field-priority = Mức ưu tiên
field-impact = Mức ảnh hưởng
field-urgency = Mức khẩn cấp
field-channel = Kênh tiếp nhận
field-application = Ứng dụng
field-category = Phân loại
field-requester_name = Người yêu cầu
field-unit = Đơn vị
field-phone = Điện thoại
field-email = Thư điện tử
field-tier = Mức hỗ trợ
field-group = Nhóm
field-assignee = Người xử lý
field-following = Nhóm theo dõi
field-external_reference = Mã tham chiếu bên ngoài
field-created_at = Thời điểm tạo
field-first_response_at = Phản hồi đầu tiên
field-resolved_at = Thời điểm giải quyết
field-closed_at = Thời điểm đóng
field-parent = Phiếu cha
field-duplicate_of = Trùng với
field-version = Phiên bản
field-description = Mô tả
field-resolution = Cách giải quyết
field-reply = nội dung trả lời
field-note = ghi chú
field-reason = lý do
field-operator = cán bộ hỗ trợ

## ticket
ticket-created = Đã tạo phiếu { $key } (mức ưu tiên { $priority }).
ticket-changed = { $key }: { $what } (phiên bản { $version }).
ticket-none = Không có phiếu nào phù hợp.
ticket-timeline = Diễn biến

## event
event-created = tạo phiếu: { $title }
event-public_reply = trả lời người yêu cầu: { $text }
event-internal_note = ghi chú nội bộ: { $text }
event-classified = phân loại: { $changes }
event-assigned = phân công cho { $to } thuộc { $group } (trước đó: { $from })
event-status_changed = trạng thái { $from } → { $to } (lý do: { $reason })
event-escalated = chuyển mức từ mức { $from_tier } lên mức { $to_tier }, { $group }: { $reason }
event-returned = trả về mức { $to_tier }, { $group }: { $reason }
event-linked_duplicate = đánh dấu trùng với { $target }
event-linked_child = liên kết là phiếu con của { $target }
event-resolved = đã giải quyết: { $resolution }
event-requester_confirmed = người yêu cầu xác nhận kết quả; đóng phiếu
event-reopened = mở lại: { $reason }

## conflict
conflict-header = Phiếu { $key } đã thay đổi kể từ phiên bản { $expected } (hiện là phiên bản { $current }):
conflict-nothing_changed = Chưa thay đổi gì. Xem các thay đổi trên rồi thử lại với --expect-version { $current } nếu thao tác của bạn vẫn còn phù hợp.
conflict-choices = y: thực hiện lại trên phiên bản mới · n / Esc: bỏ qua
conflict-choices_text = y: thực hiện lại trên phiên bản mới · e: sửa lại nội dung · n / Esc: giữ làm bản nháp

## db
db-initialised = Cơ sở dữ liệu đã sẵn sàng: { $path }
db-path = Cơ sở dữ liệu: { $path }
db-check-path = Cơ sở dữ liệu:   { $path }
db-check-schema = Phiên bản lược đồ: { $found } (hotro này: { $supported })
db-check-journal = Chế độ nhật ký:  { $mode }
db-check-integrity = Toàn vẹn:        { $result }
db-check-more_lines = … và { $count } dòng nữa
db-check-incomplete = Số lượng và kiểm toán: không thực hiện được, các trang hỏng đã chặn lại ({ $detail }).
db-check-known_damage = Việc ghi đang bị chặn: đã ghi nhận hư hỏng trước đó ({ $detail }; { $marker }). Khôi phục bản sao lưu; một lần kiểm tra sạch sẽ gỡ lệnh chặn.
db-check-audit = Vết kiểm toán:   { $fk } vi phạm khóa ngoại, { $versions } phiếu có phiên bản khác số sự kiện, { $counts } số đếm hàng đợi sai lệch
db-check-counts = Số lượng:        { $tickets } phiếu, { $events } sự kiện, { $articles } bài tri thức, { $bytes } byte
db-check-clean = Cơ sở dữ liệu không có lỗi.
db-check-problems = CÓ LỖI: khôi phục từ bản sao lưu hoặc liên hệ quản trị viên.
db-backup-done = Đã sao lưu vào { $path } (kiểm tra toàn vẹn: { $integrity }).

## demo
demo-creating = Đang tạo cơ sở dữ liệu mẫu tại { $path } …
demo-done = Dữ liệu mẫu: { $tickets } phiếu và { $articles } bài tri thức trong { $secs } giây, tại { $path }.
demo-ready = Cơ sở dữ liệu mẫu: { $path }. Thử: hotro --demo ticket list

## config
config-in_force = Cấu hình đang dùng: { $source }
config-user_path = Tệp cấu hình của người dùng (dùng nếu có): { $path }
config-valid = Cấu hình hợp lệ: { $source }

## error
error-prefix = lỗi
error-invalid_transition = phiếu không thể chuyển từ “{ $from }” sang “{ $to }”.
error-final = phiếu { $key } đang ở trạng thái { $status }: hãy mở lại phiếu trước.
error-use_resolve = để giải quyết phiếu, dùng `hotro ticket resolve MÃ --resolution NỘI_DUNG`.
error-use_reopen = để mở lại phiếu, dùng `hotro ticket reopen MÃ --reason LÝ_DO`.
error-empty = { $field } không được để trống.
error-too_long = { $field } quá dài: { $got } (tối đa { $max }). Hãy rút gọn hoặc đính kèm toàn văn dưới dạng tệp.
error-unknown = { $what } “{ $value }” không có trong cấu hình; xem các giá trị hợp lệ bằng `hotro config show`.
error-no_higher_tier = mức { $tier } là mức cao nhất: không thể chuyển mức lên nữa.
error-not_upward = nhóm { $group } ở mức { $group_tier }, không cao hơn mức hiện tại { $tier } của phiếu: chỉ chuyển mức lên trên.
error-not_escalated = phiếu { $key } chưa được chuyển mức nên không có mức dưới để trả về.
error-self_link = không thể liên kết một phiếu với chính nó.
error-link_cycle = liên kết { $key } làm phiếu con của { $target } sẽ tạo thành vòng lặp.
error-nothing_to_change = không có gì thay đổi: phiếu đã có đúng các giá trị này.
error-network_fs = thư mục cơ sở dữ liệu { $path } nằm trên hệ thống tệp mạng ({ $fs }). Chế độ WAL của SQLite đòi hỏi mọi tiến trình chạy trên cùng một máy: hãy để tệp trên ổ đĩa cục bộ của một máy chủ và cho cán bộ ở các máy trạm khác truy cập máy đó qua SSH.
error-create_dir = không tạo được thư mục cơ sở dữ liệu { $path }: { $detail }. Chọn nơi khác bằng --db ĐƯỜNG_DẪN.
error-read_only = cơ sở dữ liệu { $path } chỉ cho phép đọc. hotro cần ghi vào tệp và thư mục chứa nó (WAL): cấp quyền ghi (chmod u+w) hoặc dùng --db với một bản sao ghi được. Chưa có gì bị thay đổi.
error-locked = cơ sở dữ liệu { $path } bị tiến trình khác khóa quá { $secs } giây. Đợi tiến trình đó xong (hoặc dừng nó) rồi thử lại; chưa có gì bị thay đổi.
error-not_a_database = { $path } không phải cơ sở dữ liệu hotro (không phải tệp SQLite). Kiểm tra --db hoặc HOTRO_DB; tệp được giữ nguyên.
error-corrupt = cơ sở dữ liệu { $path } bị hỏng ({ $detail }). Khôi phục từ bản sao lưu (hotro db backup); tệp được giữ nguyên.
error-newer_schema = cơ sở dữ liệu { $path } do phiên bản hotro mới hơn ghi (lược đồ { $found }; bản này chỉ hiểu đến { $supported }). Hãy nâng cấp hotro; tệp được giữ nguyên.
error-cannot_open = không mở được cơ sở dữ liệu { $path }: { $detail }. Kiểm tra đường dẫn và quyền truy cập.
error-disk_full = ổ đĩa chứa { $path } đã đầy: giải phóng dung lượng rồi thử lại. Chưa có gì được lưu.
error-ticket_not_found = không có phiếu { $key }. Kiểm tra mã phiếu bằng `hotro ticket list`.
progress-left = còn lại
progress-index = Chỉ mục tìm kiếm
progress-demo = Phiếu mẫu
progress-backup = Sao lưu
progress-verify = Đang kiểm tra
progress-import = Đang nhập bài viết
error-backup_exists = tệp sao lưu { $path } đã tồn tại: hãy chọn tên tệp mới.
error-no_such_version = phiếu { $key } chưa từng có phiên bản { $expected }: phiếu đang ở phiên bản { $current }. Hãy cho --expect-version phiên bản mà hotro ticket show { $key } in ra. Chưa có gì thay đổi.
error-db_missing = cơ sở dữ liệu { $path } không tồn tại. Kiểm tra --db hoặc HOTRO_DB xem có gõ nhầm không, hoặc tạo mới bằng: hotro --db { $path } init
error-lost_changes = cơ sở dữ liệu { $path } đã mất các thay đổi đã ghi: sự kiện { $recorded } đã được ghi (lưu trong { $head }) nhưng tệp chỉ còn đến sự kiện { $found }. Có lẽ tệp -wal đã bị xóa khi hotro đang mở; các phiếu trong đó đã mất và mã phiếu của chúng sẽ bị cấp lại. Chưa ghi gì. Dừng mọi tiến trình hotro trên tệp này, khôi phục bản sao lưu mới nhất, rồi quản trị viên chạy: hotro --db { $path } db restored
error-rewritten_changes = cơ sở dữ liệu { $path } không còn giữ sự kiện { $recorded } như lúc được ghi (mã băm lưu trong { $head }): các sự kiện đã bị sửa ngoài hotro, hoặc một bản cũ hơn đã được chép đè và ghi tiếp. Chưa ghi gì. So sánh với bản sao lưu; sau khi khôi phục, quản trị viên chạy: hotro --db { $path } db restored
error-damaged = cơ sở dữ liệu { $path } bị hỏng ({ $detail }); không ghi thêm vào tệp hỏng, chưa lưu gì. Khôi phục từ bản sao lưu, rồi chạy hotro --db { $path } db check: khi kiểm tra sạch, lệnh chặn được gỡ ({ $marker }).
error-read_only_old_schema = cơ sở dữ liệu chỉ đọc { $path } có lược đồ { $found }, cũ hơn lược đồ { $supported } của bản hotro này: hãy kiểm tra bằng bản hotro đã ghi nó, hoặc kiểm tra một bản sao ghi được (bản sao sẽ được nâng cấp).
error-backup_failed = sao lưu vào { $path } thất bại: { $detail }. Không để lại tệp nào dưới tên đó.
error-bad_value = giá trị không hợp lệ trong cơ sở dữ liệu { $path }: { $detail }.
error-sqlite = cơ sở dữ liệu { $path }: { $detail }
error-config_read = không đọc được tệp cấu hình { $path }: { $detail }
error-config_place = lỗi cấu hình trong { $file }
error-config_line = , dòng { $line }
error-config_key = , khóa `{ $key }`
error-unknown_operator = --as { $login }: không có cán bộ này trong cấu hình (xem [[operators]] bằng `hotro config show`).
error-no_operator = tài khoản hệ điều hành “{ $user }” chưa là cán bộ hỗ trợ nên chỉ được đọc, không được thay đổi: quản trị viên thêm os_users = ["{ $user }"] cho một cán bộ rồi áp dụng cấu hình (hotro config apply TỆP).
error-unknown_status = trạng thái “{ $value }” không hợp lệ; các trạng thái: { $known }.
error-link_needs_target = hãy chỉ rõ --duplicate-of MÃ hoặc --child-of MÃ.
error-read_file = không đọc được { $path }: { $detail }
error-not_utf8 = { $path } không phải văn bản UTF-8 (byte lỗi đầu tiên ở vị trí { $offset }); hãy lưu lại dưới dạng UTF-8 rồi thử lại.

## cli.about
cli-about = hotro — bàn điều khiển hỗ trợ CNTT. Không có lệnh thì in hướng dẫn; với --demo thì dùng cơ sở dữ liệu mẫu.

## cli.global
cli-global-db = Tệp cơ sở dữ liệu (mặc định: hotro.db trong thư mục dữ liệu của người dùng)
cli-global-config = Tệp cấu hình (mặc định: HOTRO_CONFIG, thư mục cấu hình của người dùng, hoặc cấu hình có sẵn)
cli-global-acting = Thao tác với tư cách cán bộ này (tên đăng nhập trong cấu hình; mặc định: tài khoản hệ điều hành theo cấu hình)
cli-global-lang = Ngôn ngữ thông báo: vi hoặc en (mặc định: theo LANG)
cli-global-demo = Dùng cơ sở dữ liệu mẫu trong thư mục dữ liệu của người dùng, tự tạo dữ liệu mẫu ở lần đầu
cli-global-no_color = Không dùng màu (cũng vậy khi đặt NO_COLOR); dòng đang chọn vẫn hiển thị rõ
cli-global-key = Mã phiếu, ví dụ HT-2026-000123
cli-global-json = In kết quả dạng JSON thay cho văn bản
cli-global-expect_version = Từ chối (mã thoát 3) nếu phiếu đã thay đổi kể từ phiên bản này
cli-global-text = Nội dung
cli-global-text_file = Đọc nội dung từ tệp này (- để đọc từ đầu vào chuẩn)
cli-global-reason = Lý do (bắt buộc)
cli-global-group = Mã nhóm
cli-global-application = Mã ứng dụng
cli-global-kind = Mã loại yêu cầu
cli-global-category = Mã phân loại
cli-global-impact = Mã mức ảnh hưởng
cli-global-urgency = Mã mức khẩn cấp
cli-global-status = Trạng thái: new, assigned, in_progress, waiting_requester, waiting_vendor, waiting_approval, resolved, closed, cancelled

## cli.init
cli-init-about = Tạo cơ sở dữ liệu (hoặc cập nhật lược đồ) và cho biết vị trí

## cli.demo
cli-demo-about = Tạo dữ liệu mẫu gồm phiếu và bài tri thức như thật
cli-demo-tickets = Số phiếu
cli-demo-articles = Số bài tri thức
cli-demo-seed = Hạt giống ngẫu nhiên: cùng hạt giống cho cùng dữ liệu

## cli.ticket
cli-ticket-about = Ghi nhận, xem, liệt kê và xử lý phiếu yêu cầu
cli-ticket-new-about = Ghi nhận yêu cầu mới
cli-ticket-new-title = Tiêu đề ngắn
cli-ticket-new-description = Mô tả
cli-ticket-new-description_file = Đọc mô tả từ tệp này (- để đọc từ đầu vào chuẩn)
cli-ticket-new-channel = Kênh tiếp nhận (phone, email, fax, …)
cli-ticket-new-unit = Mã đơn vị của người yêu cầu
cli-ticket-new-requester = Họ tên người yêu cầu
cli-ticket-new-phone = Điện thoại người yêu cầu
cli-ticket-new-email = Thư điện tử người yêu cầu
cli-ticket-new-group = Nhóm tiếp nhận (mặc định: nhóm tiếp nhận chung)
cli-ticket-new-assignee = Phân công ngay cho cán bộ này
cli-ticket-show-about = Xem phiếu cùng diễn biến xử lý
cli-ticket-list-about = Liệt kê phiếu, mới nhất trước (phân trang: --before MÃ_DÒNG của dòng cuối)
cli-ticket-list-statuses = Chỉ trạng thái này (có thể lặp lại)
cli-ticket-list-open = Chỉ phiếu đang mở
cli-ticket-list-group = Chỉ phiếu của nhóm này
cli-ticket-list-assignee = Chỉ phiếu giao cho cán bộ này
cli-ticket-list-mine = Chỉ phiếu giao cho tôi
cli-ticket-list-unassigned = Chỉ phiếu chưa phân công
cli-ticket-list-tier = Chỉ mức hỗ trợ này
cli-ticket-list-following = Chỉ phiếu nhóm này đã chuyển mức và đang theo dõi
cli-ticket-list-limit = Số dòng
cli-ticket-list-before = Bắt đầu sau mã dòng này (từ trang trước)
cli-ticket-list-text = Chỉ phiếu có mã, tiêu đề hoặc người yêu cầu chứa mọi từ (gõ không dấu cũng được: dang nhap tìm thấy đăng nhập)
cli-ticket-list-oldest_first = Cũ nhất trước
cli-ticket-reply-about = Trả lời người yêu cầu
cli-ticket-note-about = Thêm ghi chú nội bộ (người yêu cầu không thấy)
cli-ticket-assign-about = Phân công phiếu; không có --to và --group thì bạn tự nhận
cli-ticket-assign-to = Tên đăng nhập của cán bộ
cli-ticket-assign-group = Chuyển sang nhóm này
cli-ticket-classify-about = Đặt loại, phân loại, ứng dụng, mức ảnh hưởng và mức khẩn cấp (mức ưu tiên tự tính)
cli-ticket-status-about = Đổi trạng thái
cli-ticket-status-reason = Lý do (bắt buộc khi hủy)
cli-ticket-escalate-about = Chuyển phiếu lên mức trên hoặc một nhóm được chỉ định; mức của bạn tiếp tục theo dõi
cli-ticket-escalate-group = Nhóm ở mức cao hơn (mặc định: nhóm đầu tiên của mức kế tiếp)
cli-ticket-escalate-external_ref = Mã tham chiếu tại nhà thầu
cli-ticket-return-about = Trả phiếu về mức đã chuyển nó lên
cli-ticket-link-about = Liên kết phiếu là bản trùng hoặc phiếu con của phiếu khác
cli-ticket-link-duplicate_of = Phiếu mà phiếu này trùng với
cli-ticket-link-child_of = Phiếu cha
cli-ticket-resolve-about = Giải quyết phiếu kèm cách giải quyết
cli-ticket-resolve-resolution = Đã làm gì
cli-ticket-confirm-about = Ghi nhận người yêu cầu xác nhận kết quả (đóng phiếu)
cli-ticket-reopen-about = Mở lại phiếu đã giải quyết hoặc đã đóng

## cli.db
cli-db-about = Bảo trì cơ sở dữ liệu
cli-db-check-about = Kiểm tra toàn vẹn, phiên bản lược đồ, số lượng và vết kiểm toán
cli-db-backup-about = Ghi bản sao nhất quán của cơ sở dữ liệu trong khi người khác vẫn làm việc
cli-db-backup-file = Tệp sao lưu mới

## cli.config
cli-config-about = Xem và kiểm tra cấu hình
cli-config-show-about = In cấu hình mặc định có sẵn (làm điểm xuất phát cho cấu hình riêng)
cli-config-path-about = Cho biết cấu hình và cơ sở dữ liệu đang dùng
cli-config-check-about = Kiểm tra tệp cấu hình và báo lỗi đầu tiên kèm số dòng
cli-config-check-file = Tệp cần kiểm tra (mặc định: cấu hình đang dùng)

## action
action-quit = thoát
action-force_quit = thoát ngay
action-help = trợ giúp
action-palette = bảng lệnh
action-focus_next = khung kế
action-focus_prev = khung trước
action-back = quay lại
action-refresh = làm mới
action-down = xuống
action-up = lên
action-top = đầu danh sách
action-bottom = cuối danh sách
action-page_down = trang sau
action-page_up = trang trước
action-open = mở
action-filter = lọc
action-queue_n = hàng đợi 1–9
action-sort = mới/cũ trước
action-new = phiếu mới
action-reply = trả lời
action-note = ghi chú nội bộ
action-take = nhận xử lý
action-assign = phân công
action-classify = phân loại
action-status = trạng thái
action-escalate = chuyển mức
action-return_down = trả về mức dưới
action-link = liên kết
action-resolve = giải quyết
action-confirm = người yêu cầu xác nhận
action-reopen = mở lại
action-mark = đánh dấu
action-submit = lưu
action-cancel = hủy
action-external_editor = mở bằng $EDITOR
action-yes = đồng ý
action-no = không

## context
context-global = Mọi nơi
context-queue = Hàng đợi và danh sách phiếu
context-detail = Chi tiết phiếu
context-editor = Nhập văn bản và biểu mẫu
context-picker = Danh sách chọn
context-confirm = Xác nhận

## queue
queue-mine = Phiếu của tôi
queue-unassigned = Chưa phân công: { $group }
queue-following = Đã chuyển mức, đang theo dõi
queue-waiting_requester = Chờ người yêu cầu
queue-waiting_vendor = Chờ nhà thầu
queue-waiting_approval = Chờ phê duyệt
queue-resolved = Đã giải quyết, chờ xác nhận
queue-all_open = Tất cả phiếu mở
queue-tier = Mức { $level }: { $name }

## ui
ui-acting = { $name } ({ $login }) · mức { $tier } · { $group }
ui-read_only = chỉ xem
ui-waiting_title = Đang chờ cơ sở dữ liệu
ui-waiting = Một tiến trình khác đang ghi vào cơ sở dữ liệu (đã chờ { $secs } giây). Thay đổi của bạn sẽ được lưu ngay khi tiến trình đó xong; các phím bạn bấm trong lúc chờ được giữ lại.
ui-waiting_for = { $login } đang chạy “{ $what }” (từ { $since }); đã chờ { $secs } giây. Thay đổi của bạn sẽ được lưu ngay khi việc đó xong; các phím bạn bấm trong lúc chờ được giữ lại.
ui-queues = Hàng đợi
ui-preview = Xem nhanh
ui-filter = lọc:
ui-loading = Đang tải…
ui-marked = { $count } phiếu đã đánh dấu
ui-newest_first = mới nhất trước
ui-oldest_first = cũ nhất trước
ui-help = Phím tắt (Esc để đóng)

## col
col-key = Mã phiếu
col-priority = ƯT
col-status = Trạng thái
col-age = Tuổi
col-application = Ứng dụng
col-unit = Đơn vị
col-assignee = Người xử lý
col-title = Tiêu đề

## flash
flash-nothing_selected = Chưa chọn phiếu nào.
flash-oldest_first = Cũ nhất trước.
flash-newest_first = Mới nhất trước.
flash-quit_cancelled = Không thoát.
flash-cancelled = Đã hủy; không có gì thay đổi.
flash-draft_kept = Đã giữ làm bản nháp: sẽ hiện lại khi bạn mở lại.
flash-draft_restored = Đã khôi phục bản nháp chưa gửi.
flash-empty_text = Hãy nhập nội dung trước.
flash-form_discarded = Đã bỏ phiếu mới.
flash-title_required = Cần có tiêu đề.
flash-saved = Đã lưu { $keys }: { $what }

## popup
popup-placeholder = Nhập nội dung…
popup-placeholder_key = Mã phiếu, ví dụ HT-2026-000123
popup-reply = Trả lời người yêu cầu
popup-note = Ghi chú nội bộ
popup-resolve = Cách giải quyết
popup-escalate_reason = Lý do chuyển mức
popup-return_reason = Lý do trả về
popup-cancel_reason = Lý do hủy
popup-reopen_reason = Lý do mở lại
popup-link_duplicate = Trùng với phiếu nào?
popup-link_child = Là phiếu con của phiếu nào?
popup-assign = Phân công cho
popup-status = Trạng thái mới
popup-escalate_group = Chuyển mức đến
popup-link = Liên kết là
popup-palette = Lệnh
popup-next_tier = mức kế tiếp
popup-group_at_tier = { $name } (mức { $tier })
popup-relation_duplicate = bản trùng của phiếu khác
popup-relation_child = phiếu con của phiếu khác
popup-no_match = Không có kết quả phù hợp.
popup-confirm = Xác nhận
popup-yes_no = y / Enter: thực hiện    n / Esc: quay lại
popup-quit_unsaved = Còn nội dung chưa lưu. Vẫn thoát? (y / n)
popup-conflict = Phiếu đã thay đổi
popup-classify = Phân loại { $count } phiếu
popup-choice_help = ↑/↓ chọn trường · ←/→ đổi giá trị · gõ để tìm · Enter lưu · Esc hủy
popup-editor_help = { $submit } lưu · { $cancel } hủy (giữ làm nháp) · { $editor } trình soạn thảo ngoài
popup-new_ticket = Phiếu mới
popup-form_help = Tab trường kế · ←/→ chọn · gõ để tìm lựa chọn · { $submit } lưu · Esc hủy

## confirm
confirm-header = Sẽ thực hiện các thay đổi sau trên { $count } phiếu:
confirm-assign = phân công cho { $to } ({ $group })
confirm-status = trạng thái → { $status }
confirm-escalate = chuyển mức đến { $group }: { $reason }
confirm-return = trả về mức dưới: { $reason }

## kb and search
index-rebuilt = Đã dựng lại chỉ mục tìm kiếm: { $count } tài liệu trong { $secs } giây ({ $path }).
error-index = chỉ mục tìm kiếm: { $detail }. Nếu lỗi lặp lại, chạy `hotro index rebuild`; cơ sở dữ liệu không bị ảnh hưởng.
kb-import_refused = Chưa nhập { $path }: có { $count } dòng lỗi, chưa thay đổi gì. Sửa các dòng sau rồi nhập lại:
kb-imported = Đã nhập { $path }: thêm { $added }, cập nhật { $updated } (giữ phiên bản cũ), { $unchanged } không đổi.
kb-unknown_reference = cảnh báo: { $reference }: { $field } `{ $value }` không có trong cấu hình (đã nhập nguyên văn).
kb-unknown_hint = { $count } giá trị không có trong cấu hình: sửa lại trong tệp, hoặc thêm vào [[applications]] / [[categories]] (hotro config apply), rồi nhập lại tệp.
kb-kind_article = bài viết
kb-kind_ticket = phiếu
kb-no_results = Không tìm thấy.
kb-index_busy = lưu ý: một tiến trình khác đang cập nhật chỉ mục tìm kiếm ({ $percent }%); kết quả này từ chỉ mục đầy đủ gần nhất.
kb-index_busy_started = lưu ý: một tiến trình khác đang cập nhật chỉ mục tìm kiếm; kết quả này từ chỉ mục đầy đủ gần nhất.
kb-fuzzy_mark = (đã sửa chính tả)
kb-not_found = Không có bài { $ref }. Dùng `hotro kb search` để tìm bài.
kb-symptom = Hiện tượng
kb-cause = Nguyên nhân
kb-resolution = Cách khắc phục
kb-meta = Ứng dụng: { $app } · phân loại: { $category } · thẻ: { $tags } · cập nhật { $updated } · { $versions } phiên bản cũ
kb-eval_line = { $kind }: { $n } truy vấn, recall@5 { $recall }, MRR { $mrr }
kb-eval_overall = tất cả
cli-kb-about = Cơ sở tri thức: nhập, tìm, xem, xuất và đánh giá
cli-kb-import-about = Nhập bài từ tệp JSONL (nhập lại một ref sẽ cập nhật; tệp có dòng lỗi bị từ chối toàn bộ)
cli-kb-import-file = Tệp JSONL (trường: ref, lang, application, category, title, symptom, cause, resolution, tags)
cli-kb-search-about = Tìm trong bài tri thức và phiếu đã giải quyết (gõ không dấu được, từ cuối là tiền tố)
cli-kb-search-query = Nội dung cần tìm: văn bản bất kỳ
cli-kb-search-limit = Số kết quả
cli-kb-search-article_lang = Chỉ bài viết bằng ngôn ngữ này
cli-kb-search-kind = Chỉ bài viết hoặc chỉ phiếu
cli-kb-search-statuses = Chỉ các trạng thái này (mặc định: bài đã công bố, phiếu đã giải quyết và đã đóng)
cli-kb-show-about = Xem một bài cùng các phiên bản cũ
cli-kb-show-reference = Mã bài, ví dụ KB-D003
cli-kb-export-about = Xuất mọi bài dạng JSONL ra đầu ra chuẩn
cli-kb-eval-about = Đánh giá tìm kiếm: recall@5 và MRR trên tệp JSONL các truy vấn kèm kết quả mong đợi
cli-kb-eval-queries = Tệp truy vấn (q, expect, kind)
cli-kb-eval-misses = Liệt kê các truy vấn không tìm đúng
cli-index-about = Chỉ mục tìm kiếm (dựng từ cơ sở dữ liệu)
cli-index-rebuild-about = Dựng lại chỉ mục tìm kiếm từ cơ sở dữ liệu

## console knowledge
action-knowledge = tìm tri thức
action-draft_article = soạn bài tri thức từ phiếu này
context-knowledge = Tìm tri thức (chữ gõ vào là nội dung tìm)
ui-knowledge = Tri thức: bài viết và cách xử lý trước đây
ui-knowledge_for = Cách xử lý cho { $key } (Enter đưa kết quả đang chọn vào thư trả lời)
ui-results = Kết quả
ui-similar = Phiếu có thể trùng và bài liên quan
ui-type_to_search = Gõ để tìm: không dấu cũng được, từ cuối có thể gõ dở.
ui-index_updating = chỉ mục đang cập nhật ({ $percent }%): kết quả từ chỉ mục đầy đủ gần nhất
ui-index_updating_started = chỉ mục đang cập nhật: kết quả từ chỉ mục đầy đủ gần nhất
ui-index_rebuilding = đang dựng lại chỉ mục tìm kiếm ({ $percent }%): kết quả sẽ có khi xong
ui-index_rebuilding_started = đang dựng lại chỉ mục tìm kiếm: kết quả sẽ có khi xong
flash-article_drafted = Đã tạo bài nháp { $ref } từ phiếu; xem lại và công bố bằng `hotro kb`.
cli-global-role = Chạy bàn điều khiển với vai trò: keyuser (chỉ tìm kiếm và đọc)

## audit
db-verify-ok = Vết kiểm toán còn nguyên: { $events } sự kiện, mỗi mã băm nối với sự kiện trước; { $tickets } dòng phiếu khớp với sự kiện của chúng; { $days } buổi kiểm tra sáng đã chốt khớp với nhật ký.
db-verify-broken = VẾT KIỂM TOÁN BỊ PHÁ VỠ tại sự kiện { $id } (phiếu { $ticket }, phiên bản { $version }): sự kiện này hoặc sự kiện trước đó đã bị sửa ngoài hotro. Hãy đối chiếu với bản sao lưu.
cli-db-verify-about = Kiểm tra chuỗi mã băm của mọi sự kiện (chống sửa đổi) và báo chỗ đứt đầu tiên
cli-db-verify-anchor = Mốc neo đã lưu trước đó (ID:HASH, từ hotro db anchor): sự kiện đó phải còn trong chuỗi với đúng mã băm đó
cli-db-check-anchor = Mốc neo đã lưu trước đó (ID:HASH, từ hotro db anchor), kiểm như hotro db verify --anchor
cli-db-anchor-about = In đầu chuỗi kiểm toán (mã sự kiện và mã băm) để lưu bên ngoài tệp cơ sở dữ liệu
cli-db-restored-about = Chấp nhận tệp được khôi phục từ bản sao lưu có chủ đích: sự kiện mới nhất trong tệp trở thành sự kiện được chờ đợi (quản trị)
db-restored = Đã chấp nhận tệp được khôi phục; từ nay chuỗi kết thúc ở { $head }. Hãy kiểm tra: hotro db check
db-restored_empty = Đã chấp nhận tệp được khôi phục; tệp chưa có sự kiện nào.
db-anchor-empty = Chưa có sự kiện nào: chưa có gì để neo.
db-verify-bad_anchor = `{ $value }` không phải mốc neo: hãy ghi dạng ID:HASH như hotro db anchor in ra.
db-verify-anchor_ok = Mốc neo: sự kiện { $id } còn trong chuỗi với đúng mã băm đã neo.
db-verify-head = Đầu chuỗi: { $head } (lưu bên ngoài tệp này: hotro db anchor)
db-verify-more = Tổng cộng { $count } lỗi.
db-verify-anchor_missing = VẾT KIỂM TOÁN BỊ PHÁ VỠ: sự kiện { $id } của mốc neo không còn trong tệp.
db-verify-anchor_mismatch = VẾT KIỂM TOÁN BỊ VIẾT LẠI: sự kiện { $id } có mã băm { $found }, nhưng mốc neo ghi { $anchored }: các sự kiện đến đó đã bị sửa và chuỗi bị tính lại. Hãy đối chiếu với bản sao lưu.
db-verify-version_missing = phiếu { $ticket }: thiếu sự kiện của phiên bản { $version } (bị xóa ngoài hotro).
db-verify-version_mismatch = phiếu { $ticket }: dòng phiếu ghi phiên bản { $row }, nhưng có { $events } sự kiện (phiên bản mới nhất { $newest }): một sự kiện đã bị xóa hoặc dòng phiếu bị sửa ngoài hotro.
db-verify-no_state = phiếu { $ticket }: sự kiện mới nhất ({ $id }, phiên bản { $version }) không ghi trạng thái phiếu nên không kiểm được dòng phiếu (ghi trước khi hotro lưu trạng thái, hoặc để nguyên vì chuỗi đã đứt).
db-verify-state_field = phiếu { $ticket }: { $field } là `{ $row }` trong dòng phiếu nhưng là `{ $events }` theo các sự kiện (phiên bản { $version }): dòng phiếu đã bị sửa ngoài hotro.
db-verify-state_differs = phiếu { $ticket }: dòng phiếu khác trạng thái theo các sự kiện (phiên bản { $version }): đã bị sửa ngoài hotro.
db-verify-unreadable = phiếu { $ticket }: không đọc được dòng phiếu ({ $detail }).
db-verify-check_frozen = kiểm tra sáng { $date }, { $system }: báo cáo đã chốt ghi { $field } `{ $frozen }`, nhưng nhật ký kiểm tra ghi `{ $log }`: báo cáo đã chốt bị sửa ngoài hotro.
db-verify-check_result = kiểm tra sáng { $date }, { $system }: { $field } hiện là `{ $now }`, nhưng theo bản đã chốt và các lần bổ sung phải là `{ $expected }`: bị sửa sau khi chốt mà không ghi bổ sung.
report-chain_head = Đầu chuỗi kiểm toán: { $head }
report-chain_head_none = Đầu chuỗi kiểm toán: chưa có (chưa có sự kiện nào)

## Kiểm tra tình trạng sẵn sàng đầu ngày (seed 003)
check-result-ok = Bình thường
check-result-slow = Chậm
check-result-login_failed = Lỗi đăng nhập
check-result-down = Ngừng hoạt động
check-unchecked = chưa kiểm tra
check-state-finalised = đã chốt
check-state-open = đang mở
check-recorded = { $system }: { $result } (kiểm tra ngày { $date }).
check-amended = { $system }: { $result } — kết quả kiểm tra ngày { $date } đã chốt nên thay đổi này được ghi là điều chỉnh.
check-call = Gọi ngay: { $lead } ({ $phone }), trưởng nhóm phụ trách { $system }.
check-finalised = Đã chốt kiểm tra ngày { $date }; báo cáo được giữ nguyên ({ $unchecked } hệ thống chưa kiểm tra). Thay đổi sau đó được ghi là điều chỉnh.
check-incident-title = [Kiểm tra đầu ngày] { $system }: { $result }
check-incident-description = Phát hiện khi kiểm tra tình trạng sẵn sàng đầu ngày { $date }: { $system } — { $result } ({ $by } kiểm tra lúc { $at }).
check-incident_opened = Đã mở phiếu sự cố { $key } ({ $priority }) cho { $system }.
check-incident_exists = { $system } đã có phiếu sự cố { $key }; không mở phiếu thứ hai.
check-no_probes = Chưa hệ thống nào được cấu hình kiểm tra tự động: thêm probe vào mục của hệ thống trong [[morning_check.systems]] (xem `hotro config show`).
check-probe_line = { $system }: { $result } — { $detail }{ $mark }
check-probe_recorded = {" "}(đã ghi)
check-probe_kept = {" "}(hôm nay đã kiểm tra: giữ nguyên)
check-history_title = Tính sẵn sàng tháng { $month } ({ $days } ngày có kiểm tra)
check-history_line = { $system }: sẵn sàng { $percent } ({ $checked } ngày kiểm tra; chậm { $slow }, lỗi đăng nhập { $login_failed }, ngừng { $down })
check-history_day = { $date } [{ $state }]: { $ok } hoạt động, { $failed } lỗi, { $unchecked } chưa kiểm tra, { $amendments } điều chỉnh
probe-up = phản hồi sau { $ms } ms
probe-slow = phản hồi chậm, sau { $ms } ms
probe-resolve = không tìm thấy tên máy ({ $detail })
probe-connect = không kết nối được ({ $detail })
probe-timed_out = không phản hồi trong { $ms } ms
probe-tls = lỗi TLS ({ $detail })
probe-status = mã HTTP { $got }, cần { $expected }
probe-text_missing = trang không chứa “{ $text }”
probe-exit = lệnh kiểm tra thất bại (mã thoát { $code })
probe-signal = lệnh kiểm tra bị dừng bởi tín hiệu
probe-spawn = không chạy được lệnh kiểm tra ({ $detail })
probe-other = { $detail }
report-title = Báo cáo kiểm tra tình trạng sẵn sàng hệ thống — ngày { $date }
report-finalised = Đã chốt bởi { $by } lúc { $at }.
report-draft = Chưa chốt (bản nháp).
report-checked_by = Người kiểm tra: { $names }
report-summary = { $total } hệ thống: { $ok } bình thường, { $slow } chậm, { $login_failed } lỗi đăng nhập, { $down } ngừng hoạt động, { $unchecked } chưa kiểm tra.
report-col-system = Hệ thống
report-col-result = Kết quả
report-col-note = Ghi chú
report-col-by = Người kiểm tra
report-col-at = Lúc
report-col-incident = Sự cố
report-late_mark = muộn
report-late = Kiểm tra muộn (sau khung giờ)
report-late_line = { $system } lúc { $at }
report-missing = Chưa kiểm tra
report-incidents = Phiếu sự cố đã mở
report-incident_line = { $key } cho { $system }, { $by } mở lúc { $at }
report-amendments = Điều chỉnh sau khi chốt
report-amendment_line = { $at } { $by }: { $system } { $from } → { $to } ({ $note })
announce-created = Thông báo { $id } đang hiệu lực: mọi màn hình đều hiển thị.
announce-updated = Đã cập nhật thông báo { $id } (phiên bản { $version }).
announce-resolved = Đã kết thúc thông báo { $id }.
announce-none = Không có thông báo.
announce-line = #{ $id } { $title } [{ $state }]
announce-state_active = đang hiệu lực
announce-state_resolved = kết thúc { $at } bởi { $by }
announce-applications = Ứng dụng
announce-problem = Sự cố
announce-guidance = Trong khi chờ
announce-expected_fix = Dự kiến khắc phục
announce-incident = Phiếu sự cố
ticket-incident_hint = Thông báo { $id }: sự cố { $incident } ảnh hưởng ứng dụng này. Liên kết { $key } với sự cố bằng `hotro ticket link { $key } --child-of { $incident }` (hoặc tạo phiếu với --link-incident).
ticket-linked_hint = { $key } có { $count } phiếu liên kết còn mở; xử lý xong cùng lúc: thêm --linked.
ticket-linked_resolved = Đã xử lý xong { $count } phiếu liên kết: { $keys }
ticket-linked_left = Giữ lại { $count } phiếu liên kết còn công việc riêng: { $keys }
error-bad_date = “{ $value }” không phải ngày; cần YYYY-MM-DD, ví dụ 2026-11-23.
error-bad_month = “{ $value }” không phải tháng; cần YYYY-MM, ví dụ 2026-11.
error-bad_time = “{ $value }” không phải thời điểm; cần YYYY-MM-DD HH:MM (giờ của tổ chức), HH:MM trong hôm nay, hoặc RFC 3339.
error-skipped_time = “{ $value }” không tồn tại ở múi giờ { $zone }: đồng hồ nhảy qua giờ đó (giờ mùa hè). Hãy nhập thời điểm trước hoặc sau bước nhảy, hoặc thời điểm RFC 3339 kèm độ lệch múi giờ.
error-bad_now = HOTRO_NOW=“{ $value }” không phải thời điểm RFC 3339; ví dụ 2026-11-23T07:05:00+07:00, hoặc bỏ biến này.
error-unknown_format = định dạng “{ $value }” không hợp lệ; cần md, txt hoặc csv.
error-unknown_result = kết quả “{ $value }” không hợp lệ; cần ok, slow, login_failed hoặc down.
error-unknown_system = không có hệ thống “{ $value }”; các hệ thống: { $known }.
error-check_finalised = kiểm tra ngày { $date } đã được { $by } chốt lúc { $at }; mọi thay đổi được ghi là điều chỉnh.
error-not_checked = { $system } chưa có kết quả ngày { $date }: hãy ghi kết quả kiểm tra trước.
error-announcement_not_found = không có thông báo { $id }; xem `hotro announce list`.
error-announcement_changed = thông báo { $id } đã thay đổi từ phiên bản { $expected } (nay là { $current }); xem lại rồi thử lại.
error-announcement_resolved = thông báo { $id } đã kết thúc.
field-problem = nội dung sự cố
field-guidance = hướng dẫn

## Command line: check and announce
cli-ticket-resolve-linked = Đồng thời xử lý xong các phiếu liên kết không còn công việc riêng (các phản ánh về cùng sự cố)
cli-ticket-new-link_incident = Liên kết phiếu mới với sự cố của thông báo đang hiệu lực cho ứng dụng của phiếu
cli-check-about = Kiểm tra tình trạng sẵn sàng đầu ngày: kết quả, kiểm tra tự động, sự cố, báo cáo và lịch sử
cli-global-date = Ngày kiểm tra (YYYY-MM-DD, giờ của tổ chức; mặc định hôm nay)
cli-check-show-about = Danh sách kiểm tra hôm nay (hoặc ngày --date): kết quả, kiểm tra muộn, còn thiếu, người cần gọi
cli-check-record-about = Ghi kết quả một hệ thống (sau khi chốt là điều chỉnh)
cli-check-record-system = Mã hệ thống trong [[morning_check.systems]], ví dụ TABMIS
cli-check-record-result = ok, slow, login_failed hoặc down
cli-check-record-note = Ghi chú cho báo cáo
cli-check-run-about = Chạy đồng thời mọi kiểm tra tự động đã cấu hình, mỗi kiểm tra trong thời hạn của nó
cli-check-run-auto = Ghi kết quả các hệ thống hôm nay chưa kiểm tra, dưới tên người thực hiện; mã thoát 4 nếu có hệ thống ngừng hoạt động (cho cron lúc 07:00)
cli-check-incident-about = Mở phiếu sự cố cho hệ thống kiểm tra không đạt (giao nhóm phụ trách, mức ưu tiên theo kết quả)
cli-check-incident-system = Mã hệ thống, ví dụ TABMIS
cli-check-finalise-about = Chốt báo cáo trong ngày; thay đổi sau đó được ghi là điều chỉnh
cli-check-report-about = Báo cáo trong ngày gửi lãnh đạo
cli-check-report-format = md (Markdown), txt (văn bản cho email) hoặc csv
cli-check-history-about = Các ngày đã kiểm tra và tính sẵn sàng của từng hệ thống trong tháng
cli-check-history-month = Tháng (YYYY-MM; mặc định tháng này)
cli-announce-about = Thông báo sự cố, hiển thị thành dải báo trên mọi màn hình
cli-global-title = Tiêu đề ngắn
cli-global-applications = Mã ứng dụng bị ảnh hưởng (lặp lại, hoặc phân cách bằng dấu phẩy)
cli-global-problem = Sự cố là gì
cli-global-guidance = Người dùng nên làm gì trong khi chờ
cli-global-fix_by = Thời điểm dự kiến khắc phục (YYYY-MM-DD HH:MM giờ của tổ chức, HH:MM hôm nay, hoặc RFC 3339; để trống để xoá)
cli-global-incident = Phiếu sự cố theo dõi việc khắc phục
cli-announce-new-about = Thông báo một sự cố
cli-announce-edit-about = Sửa một thông báo đang hiệu lực
cli-announce-edit-id = Số thông báo
cli-announce-list-about = Danh sách thông báo, mới nhất trước
cli-announce-list-active = Chỉ các thông báo đang hiệu lực
cli-announce-resolve-about = Kết thúc thông báo (sự cố đã khắc phục)
cli-announce-resolve-id = Số thông báo

## Màn hình: kiểm tra đầu ngày, thông báo
popup-check_note = Ghi chú cho kết quả này
flash-check_result_first = Hãy ghi kết quả trước (o, s, l hoặc d), rồi thêm ghi chú.
flash-probing = Đang chạy kiểm tra tự động (mỗi kiểm tra trong thời hạn của nó)…
flash-no_proposals = Chưa có kết quả kiểm tra tự động: hãy chạy kiểm tra trước (p).
flash-check_incident_needs_failure = Chỉ kết quả không đạt (chậm, lỗi đăng nhập, ngừng hoạt động) mới mở phiếu sự cố.
flash-check_already_finalised = Ngày này đã được { $by } chốt; thay đổi được ghi là điều chỉnh.
flash-check_recorded = Đã ghi { $count } kết quả.
flash-check_amended = Đã ghi { $count } kết quả là điều chỉnh của báo cáo đã chốt.
flash-probes_done = { $count } kiểm tra tự động đã xong, { $failing } không đạt: xem đề xuất (→) và nhấn y để chấp nhận.
flash-check_finalised = Đã chốt kiểm tra ngày { $date }; báo cáo được giữ nguyên.
confirm-finalise = Chốt kiểm tra đầu ngày { $date }? Báo cáo được giữ nguyên; thay đổi sau đó được ghi là điều chỉnh.
confirm-finalise_unchecked = { $count } hệ thống chưa kiểm tra sẽ được báo cáo là còn thiếu.
confirm-resolve_linked = Xử lý xong { $count } phiếu liên kết với { $key } với cùng nội dung xử lý?
confirm-resolve_linked_left = { $count } phiếu liên kết còn công việc riêng được giữ lại.
confirm-link_incident = Liên kết { $key } với sự cố { $incident } đang được thông báo cho ứng dụng này?
ui-more_announcements = còn { $count } thông báo
ui-check_title = Kiểm tra đầu ngày — { $date }
ui-check_window = khung giờ { $start }–{ $end }, báo cáo trước { $deadline }
ui-check_phase-no_check_today = Hôm nay không kiểm tra
ui-check_phase-before_window = Chưa đến giờ kiểm tra
ui-check_phase-in_window = Đang trong giờ kiểm tra
ui-check_phase-late = Hết giờ kiểm tra: hệ thống chưa kiểm tra là muộn
ui-check_phase-past_deadline = Đã quá hạn báo cáo
ui-check_missing = thiếu
ui-check_contact = { $group }: trưởng nhóm { $lead }, { $phone }
ui-check_call_now = Gọi ngay:
ui-check_proposals = Có { $count } kết quả kiểm tra tự động đề xuất (→): y để chấp nhận tất cả, hoặc đặt từng hệ thống.
ui-check_history = Tháng này: { $days } ngày có kiểm tra (Esc hoặc h: quay lại)
ui-check_history_counts = { $checked } ngày kiểm tra, chậm { $slow }, lỗi đăng nhập { $login_failed }, ngừng { $down }
action-morning_check = kiểm tra đầu ngày
action-check_ok = bình thường
action-check_slow = chậm
action-check_login_failed = lỗi đăng nhập
action-check_down = ngừng hoạt động
action-check_note = ghi chú
action-run_probes = chạy kiểm tra tự động
action-accept_probes = chấp nhận kết quả tự động
action-check_incident = mở phiếu sự cố
action-finalise = chốt báo cáo
action-history = lịch sử

## hotro bench
cli-bench-about = Đo đạc trên tệp cơ sở dữ liệu thật
cli-bench-writers-about = Nhiều tiến trình cùng ghi một tệp (tạo, trả lời, giao việc, chuyển tuyến, xử lý xong); sau đó kiểm tra mọi thay đổi đã xác nhận đều còn và báo số lần ghi/giây, độ trễ
cli-bench-writers-procs = Số tiến trình ghi
cli-bench-writers-secs = Thời gian ghi của mỗi tiến trình, tính bằng giây
cli-bench-worker-about = Một tiến trình ghi của `bench writers`
cli-bench-worker-id = Số thứ tự tiến trình
cli-bench-worker-secs = Thời gian ghi, tính bằng giây
cli-bench-worker-log = Nơi ghi bản tóm tắt của tiến trình
bench-writers = { $procs } tiến trình × { $secs } giây: { $commits } lần ghi ({ $rate }/giây), độ trễ p50 { $p50 } ms, p99 { $p99 } ms, tối đa { $max } ms; { $refused } thay đổi bị quy tắc từ chối.
bench-clean = Mọi thay đổi đã xác nhận đều có trong tệp; mã phiếu không trùng; phiên bản = số sự kiện; chuỗi băm nguyên vẹn; toàn vẹn ok; không tiến trình nào gặp "database is locked".
bench-not_clean = CÓ VẤN ĐỀ: { $detail }
report-amendment_incident = { $at } { $by }: mở phiếu sự cố { $key } cho { $system }

## Lịch làm việc
calendar-due = { $from } + { $budget } thời gian làm việc → hạn { $due }
calendar-between = Từ { $from } đến { $to }: { $hours } giờ { $minutes } phút làm việc
error-calendar = lịch làm việc: { $detail }. Kiểm tra mục [calendar] trong cấu hình.
error-bad_budget = “{ $value }” không phải thời lượng làm việc: { $detail }
cli-calendar-about = Thời gian làm việc (giờ hành chính, ngày lễ, ngày làm bù): hạn xử lý và thời gian làm việc đã qua
cli-calendar-add-about = Thời điểm hết một khoảng thời gian làm việc tính từ một thời điểm
cli-calendar-add-from = Bắt đầu (YYYY-MM-DD HH:MM giờ của tổ chức, HH:MM hôm nay, hoặc RFC 3339; mặc định bây giờ)
cli-calendar-add-budget = Thời gian làm việc: 30m, 2h, 1.5h, 0.5d (nửa số giờ hành chính của ngày đó), 1d 2h
cli-calendar-between-about = Thời gian làm việc giữa hai thời điểm
cli-calendar-between-from = Bắt đầu (YYYY-MM-DD HH:MM giờ của tổ chức, HH:MM hôm nay, hoặc RFC 3339)
cli-calendar-between-to = Kết thúc (mặc định bây giờ)

## Đồng hồ SLA
sla-first_response = Phản hồi đầu tiên
sla-resolution = Xử lý xong
sla-clock = { $which }: { $state } — định mức { $budget }, đã dùng { $used }, còn { $left }, hạn { $due }
sla-hours_minutes = { $sign }{ $hours } giờ { $minutes } phút
sla-minutes = { $sign }{ $minutes } phút
sla-state-on_track = đúng hạn
sla-state-at_risk = sắp quá hạn
sla-state-paused = tạm dừng (đang chờ)
sla-state-met = đạt
sla-state-breached = QUÁ HẠN
error-received_in_future = yêu cầu không thể đến vào thời điểm trong tương lai ({ $at }); hãy ghi thời điểm thực tế.
cli-ticket-new-received_at = Thời điểm yêu cầu thực sự đến (ví dụ sự cố khẩn báo qua điện thoại trước đó); đồng hồ tính từ lúc đó
sla-clock_short = { $state } ({ $budget }): còn { $left }, hạn { $due }
col-sla = SLA
report-sla_title = SLA { $from } – { $to }: { $tickets } yêu cầu đến
report-sla_first_response = phản hồi đầu tiên đúng hạn: { $pct } ({ $part } / { $whole })
report-sla_same_day_response = phản hồi trong ngày: { $pct } ({ $part } / { $whole })
report-sla_same_day_closure = xử lý xong trong ngày: { $pct } ({ $part } / { $whole })
report-sla_resolution = xử lý xong đúng hạn: { $pct } ({ $part } / { $whole })
report-sla_breached = có đồng hồ quá hạn: { $count }, theo nhóm và theo mức:
cli-report-about = Báo cáo theo kỳ
cli-report-sla-about = Số liệu SLA của các yêu cầu đến trong kỳ: phản hồi đầu tiên đúng hạn, phản hồi và xử lý xong trong ngày, quá hạn theo nhóm và mức hỗ trợ
cli-report-sla-from = Ngày đầu (YYYY-MM-DD, giờ của tổ chức)
cli-report-sla-to = Ngày cuối, tính cả ngày này (YYYY-MM-DD)
event-resolved_upstream = mức { $from_tier } đã xử lý, chuyển lại mức { $to_tier } ({ $group }) để trả lời người yêu cầu: { $resolution }
sla-notify_lead = SLA: { $clock } sắp quá hạn hoặc đã quá hạn. Đề nghị trưởng nhóm { $lead } ({ $phone }) xem phiếu này.
sla-escalate_reason = SLA: { $clock } quá hạn; chuyển tuyến theo quy tắc.
sla-applied = { $ticket }: quy tắc { $rule } ({ $clock }) — { $outcome }
sla-tick_done = Đã áp dụng { $count } quy tắc.
cli-sla-about = Quy tắc SLA
cli-sla-tick-about = Áp dụng ngay các quy tắc SLA cho mọi phiếu đang mở (cho cron); mỗi quy tắc chỉ tác động một lần cho mỗi phiếu và đồng hồ, dù ai chạy
popup-announce_guidance = Thông báo sự cố: người dùng nên làm gì trong khi chờ?
confirm-end_announcement = Kết thúc thông báo #{ $id } ({ $title }) vì sự cố đã được xử lý?
confirm-and_end_announcement = …và kết thúc thông báo #{ $id } ({ $title }).
action-announce = thông báo sự cố

## Quy trình
event-step_completed = xong bước { $step } ({ $fields }) → { $to }
event-step_returned = bước { $from } trả lại bước { $to }: { $reason }
event-procedure_done = hoàn thành quy trình
action-complete_step = hoàn thành bước
confirm-return_step = trả lại bước { $to }: { $reason }
error-no_procedure = phiếu loại “{ $kind }” không theo quy trình nào (xem [[procedures]] trong cấu hình).
error-procedure_done = phiếu { $key } đã hoàn thành quy trình.
error-missing_fields = bước { $step } cần { $fields }: ghi bằng --field TÊN=GIÁ_TRỊ.
error-not_next_step = bước { $step } không chuyển sang “{ $to }”; chỉ sang { $allowed }.
error-not_returnable = bước { $step } không thể trả lại bước “{ $to }”.
error-role_required = bước { $step } do vai trò { $role } thực hiện.
error-bad_field = “{ $value }” không có dạng TÊN=GIÁ_TRỊ.
procedure-title = Quy trình { $name } ({ $id }):
procedure-line = { $mark } { $step } { $name } — định mức { $budget }, đã dùng { $used }{ $by }
procedure-needs = Bước { $step } cần: { $fields }
procedure-done = Đã hoàn thành quy trình.
procedure-none = Phiếu loại “{ $kind }” không theo quy trình nào.
cli-ticket-step-about = Hoàn thành bước hiện tại của quy trình, hoặc trả lại (bước phê duyệt)
cli-ticket-step-complete = Hoàn thành bước hiện tại
cli-ticket-step-fields = Trường bước này yêu cầu, TÊN=GIÁ_TRỊ (lặp lại)
cli-ticket-step-to = Chuyển sang bước này (một trong các bước tiếp theo; mặc định bước đầu)
cli-ticket-step-return_to = Trả lại bước này (kèm --reason)
cli-ticket-step-reason = Lý do trả lại
cli-ticket-steps-about = Quy trình của phiếu: các bước, bước hiện tại, yêu cầu, đồng hồ từng bước
form-request_title = PHIẾU YÊU CẦU HỖ TRỢ CÔNG NGHỆ THÔNG TIN
form-completion_title = PHIẾU HOÀN THÀNH KHẮC PHỤC SỰ CỐ CÔNG NGHỆ THÔNG TIN
form-received = Thời điểm tiếp nhận
form-procedure = Quy trình
form-request = Nội dung yêu cầu
form-work_done = Công việc đã thực hiện
form-completed_at = Hoàn thành lúc
form-sign_requester = Đơn vị đề nghị
form-sign_it = Bộ phận CNTT
form-sign_partner = Đơn vị đối tác (nếu có)
form-signature = (ký, ghi rõ họ tên)
error-unknown_form = mẫu phiếu “{ $value }” không hợp lệ; cần request hoặc completion.
cli-ticket-form-about = Phiếu yêu cầu hoặc phiếu hoàn thành của phiếu hỗ trợ, để in (Markdown)
cli-ticket-form-kind = request hoặc completion
popup-complete_step = Hoàn thành bước: điền từng dòng "tên: giá trị" (giữ lại một bước ở dòng "to:")
popup-return_step = Lý do trả lại?
flash-no_step = Phiếu này không có bước quy trình nào để hoàn thành.
action-return_step = trả lại (bước phê duyệt)
ui-procedure = Quy trình { $name }: bước { $step } { $step_name } — cần { $needs }
ui-procedure_done = Quy trình { $name }: đã hoàn thành
popup-return_to_step = Trả lại bước nào?
flash-by_due = SLA gấp nhất trước.
ui-by_due = SLA gấp nhất trước
cli-ticket-list-by_due = SLA gấp nhất trước: quá hạn, rồi sắp đến hạn; phiếu đang tạm dừng đồng hồ xếp cuối
sla-outcome-applied = đã áp dụng
sla-outcome-unchanged = không có gì để thay đổi
sla-outcome-refused = hiện chưa thực hiện được ({ $detail })
bench-worker_failed = một tiến trình ghi bị lỗi ({ $status }); thông báo của nó ở phía trên.

# Identity, roles, the applied configuration (issue 11)
error-step_pending_role = phiếu { $key } đang ở bước { $step } của quy trình, do vai trò { $role } thực hiện: chưa thể giải quyết hay đóng phiếu trước bước đó (hotro ticket steps { $key }).
error-step_pending = phiếu { $key } đang ở bước { $step } của quy trình: hãy hoàn thành bước đó trước (hotro ticket steps { $key }).
error-before_previous = phiếu { $key } thay đổi lần cuối lúc { $previous }; không thể ghi sự kiện sớm hơn ({ $at }). Hãy kiểm tra đồng hồ của máy chủ.
error-received_too_early = --received-at { $at } sớm hơn { $days } ngày; yêu cầu phải được ghi nhận trong khoảng đó (organisation.received_at_limit_days).
error-refused = { $login } không được làm việc này ({ $action }): cần vai trò { $roles }.
error-refused_group = { $login } không được xử lý phiếu này: phiếu thuộc nhóm { $group } (cần { $roles } của nhóm đó, hoặc chuyển nhóm).
error-act_as_refused = --as { $target }: chỉ vai trò admin được thao tác thay cán bộ khác, và { $real } không có vai trò đó. Không có gì thay đổi.
error-unknown_role_flag = --role { $role }: chỉ chọn được key_user (quyền của người dùng chính: tra cứu, đọc, ghi nhận yêu cầu).
error-config_not_applied = tiến trình này dùng cấu hình khác ({ $source }) với cấu hình đã áp dụng cho cơ sở dữ liệu (phiên bản { $applied }): chỉ được đọc, không được ghi. Bỏ --config, hoặc nhờ quản trị chạy `hotro config apply TỆP`.
error-applied_config_invalid = cấu hình đã áp dụng cho cơ sở dữ liệu (phiên bản { $version }) không hợp lệ với hotro này: { $detail }
error-fixed_clock_on_live = HOTRO_NOW chỉ cố định đồng hồ trên cơ sở dữ liệu demo và thử nghiệm (hotro --demo, hotro init --test); cơ sở dữ liệu này đang dùng thật. Hãy bỏ HOTRO_NOW.
error-not_failed = { $system } không gặp sự cố ngày { $date }: phiếu sự cố chỉ mở cho hệ thống kiểm tra không đạt.
error-article_published = bài { $reference } đã được công bố: bản nháp sẽ ghi đè lên nó. Hãy sửa bài viết.
error-identity = tài khoản hệ điều hành có mã { $uid } không có tên trong danh sách người dùng; hotro không xác định được bạn là ai.
error-purpose_fixed = cơ sở dữ liệu này đã được dùng làm cơ sở dữ liệu { $purpose }; không thể đổi mục đích.
config-none_applied = chưa có cấu hình nào được áp dụng cho cơ sở dữ liệu này.
config-applied_header = cấu hình phiên bản { $version }, áp dụng lúc { $at } bởi { $by } (sha256 { $digest })
config-applied = Đã áp dụng cấu hình { $source } làm phiên bản { $version }: có hiệu lực với mọi tiến trình từ bây giờ.
config-already_applied = Cấu hình { $source } đang có hiệu lực (phiên bản { $version }); không có gì thay đổi.
cli-init-test = đánh dấu cơ sở dữ liệu mới là cơ sở dữ liệu thử nghiệm (chấp nhận HOTRO_NOW)
cli-config-show-applied = in cấu hình đã áp dụng cho cơ sở dữ liệu (kèm phiên bản)
cli-config-apply-about = áp dụng một tệp cấu hình cho cơ sở dữ liệu (quản trị): cán bộ, vai trò, nhóm, quy trình, SLA
cli-config-apply-file = tệp cấu hình (TOML)
flash-needs_role = Không được phép: việc này cần vai trò { $roles }.
error-demo_on_live = dữ liệu demo chỉ được thêm vào cơ sở dữ liệu demo hoặc thử nghiệm (hotro --demo, hoặc hotro init --test với tệp mới); cơ sở dữ liệu này đang dùng thật, sự kiện demo sẽ mang tên cán bộ thật.
db-verify-config_changed = cấu hình đã áp dụng phiên bản { $version } bị sửa ngoài hotro (nội dung, mã băm hoặc chuỗi băm).
db-verify-changes_lost = MẤT THAY ĐỔI ĐÃ GHI: sự kiện { $id } đã được ghi (có lưu bên cạnh tệp) nhưng tệp chỉ còn đến sự kiện { $newest }. Có lẽ tệp -wal đã bị xóa khi đang dùng, hoặc một bản cũ hơn đã được chép đè. Khôi phục bản sao lưu mới nhất, rồi quản trị viên chạy hotro db restored.
db-verify-changes_rewritten = THAY ĐỔI BỊ GHI ĐÈ: sự kiện { $id } trong tệp không còn như lúc được ghi (mã băm lưu bên cạnh tệp khác đi): các sự kiện đã bị sửa ngoài hotro, hoặc một bản cũ hơn đã được chép đè và ghi tiếp. So sánh với bản sao lưu; sau khi khôi phục, quản trị viên chạy hotro db restored.
error-check_in_future = ngày { $date } chưa đến (hôm nay là { $today }): kết quả kiểm tra được ghi vào đúng ngày.
db-check-purpose = Mục đích:        { $purpose } (cấu hình phiên bản { $version } đang có hiệu lực)
cli-kb-draft-about = Soạn nháp bài tri thức từ một phiếu đã giải quyết (không ghi đè bài đã công bố)
cli-kb-draft-key = Mã phiếu, ví dụ HT-2026-000001
error-no_config_applied = cơ sở dữ liệu này chưa được áp dụng cấu hình (do hotro phiên bản trước tạo): chỉ được đọc, không được thay đổi. Chủ sở hữu tệp cơ sở dữ liệu chạy `hotro --config TỆP config apply TỆP` trước.
error-first_config_by_owner = cấu hình đầu tiên của { $path } do tài khoản sở hữu tệp đó (hoặc root) áp dụng.
error-demo_not_demo = { $path } không phải cơ sở dữ liệu demo (do hotro phiên bản trước tạo, hoặc đang dùng thật): hotro --demo không ghi dữ liệu demo vào đó. Hãy xóa tệp đó để tạo cơ sở dữ liệu demo mới.
error-refused_none = { $login } không được làm việc này ({ $action }): không vai trò nào có quyền đó trong cấu hình này ([permissions]).
error-not_resolved = phiếu { $key } chưa được giải quyết: bài tri thức được soạn từ một giải pháp.
flash-needs_no_role = Không được phép: không vai trò nào có quyền này trong cấu hình ([permissions]).
error-refused_step = { $login } không được thực hiện bước { $step }: bước này do vai trò { $roles } thực hiện.
error-input_not_a_file = { $path } không phải tệp thông thường (FIFO, thiết bị hay thư mục): hãy đưa một tệp, hoặc - cho đầu vào chuẩn.
error-input_too_long = { $path } quá dài: { $size } byte, tối đa { $max }; chưa đọc gì.
error-input_too_long_stdin = đầu vào chuẩn quá dài: hơn { $max } byte; chưa lưu gì.
