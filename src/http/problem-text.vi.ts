// Vietnamese for the English the API writes in its problems, in the way of gettext: the English
// text is the message id. A `{name}` in an English message stands for the text the code put there;
// the Vietnamese puts it back as it is, `{name:noun}` through `nouns` below, `{name:code}` the
// same with the code after it ("đã rút (withdrawn)": a state or a kind is an API value the reader
// may need), `{name:message}` through this catalogue again (a field detail inside a sentence). A message the catalogue lacks
// leaves its whole problem in English (src/http/problem-text.ts), and the suite fails on it.

/** Problem titles, by the English title (they follow the status). */
export const titles: Record<string, string> = {
  'Bad request': 'Yêu cầu không hợp lệ',
  'Validation failed': 'Dữ liệu không hợp lệ',
  Unauthorized: 'Chưa xác thực',
  Forbidden: 'Không có quyền',
  'Not found': 'Không tìm thấy',
  'Method not allowed': 'Phương thức không được phép',
  Conflict: 'Xung đột trạng thái',
  'Precondition failed': 'Điều kiện tiên quyết không thỏa',
  'Payload too large': 'Nội dung quá lớn',
  'Unsupported media type': 'Kiểu nội dung không được hỗ trợ',
  'Unprocessable content': 'Nội dung không xử lý được',
  'Too many requests': 'Quá nhiều yêu cầu',
  'Internal server error': 'Lỗi máy chủ',
  'Service unavailable': 'Dịch vụ tạm thời không sẵn sàng',
  Gone: 'Không còn nữa',
  'Unsupported file type': 'Kiểu tệp không được chấp nhận',
  'File store unavailable': 'Kho tệp tạm thời không sẵn sàng',
  'Range not satisfiable': 'Khoảng byte yêu cầu không hợp lệ',
}

/** Names of records, states and kinds that the English puts into a sentence. */
export const nouns: Record<string, string> = {
  'API key': 'Khóa API',
  'Audit event': 'Bản ghi nhật ký',
  Deal: 'Giao dịch',
  Delegation: 'Ủy quyền',
  Delivery: 'Lần gửi webhook',
  Demand: 'Nhu cầu công nghệ',
  Event: 'Sự kiện',
  File: 'Tệp',
  'Success story': 'Câu chuyện thành công',
  success_story: 'câu chuyện thành công',
  'Thumbnail of file': 'Ảnh thu nhỏ của tệp',
  Import: 'Lượt nhập dữ liệu',
  Listing: 'Tin chào công nghệ',
  Match: 'Đề xuất kết nối',
  Organization: 'Tổ chức',
  Province: 'Tỉnh, thành phố',
  Source: 'Nguồn dữ liệu',
  Task: 'Nhiệm vụ',
  'Task partner': 'Đối tác nhiệm vụ',
  'Thesaurus entry': 'Mục từ điển đồng nghĩa',
  'Value chain': 'Chuỗi giá trị',
  Webhook: 'Webhook',
  listing: 'tin chào công nghệ',
  listings: 'tin chào công nghệ',
  demand: 'nhu cầu công nghệ',
  demands: 'nhu cầu công nghệ',
  deal: 'giao dịch',
  task: 'nhiệm vụ',
  'a task': 'nhiệm vụ',
  'a value chain': 'chuỗi giá trị',
  'an event': 'sự kiện',
  exchange_event: 'sự kiện',
  organizations: 'tổ chức',
  provider: 'bên chuyển giao',
  seeker: 'bên nhận chuyển giao',
  draft: 'nháp',
  published: 'đã công bố',
  withdrawn: 'đã rút',
  retracted: 'đã rút lại',
  expired: 'đã hết hạn',
  open: 'đang mở',
  closed: 'đã đóng',
  suggested: 'được gợi ý',
  shortlisted: 'được chọn',
  dismissed: 'bị loại',
  active: 'đang hiệu lực',
  ended: 'đã kết thúc',
  declined: 'bị từ chối',
  proposed: 'đang đề xuất',
  completed: 'đã hoàn thành',
  cancelled: 'đã hủy',
  transfer_centre: 'trung tâm ứng dụng và chuyển giao công nghệ',
  research_institute: 'viện nghiên cứu',
  university: 'trường đại học',
  enterprise: 'doanh nghiệp',
  connection_point: 'điểm kết nối cung cầu công nghệ',
  authority: 'Sở Khoa học và Công nghệ',
  exchange_operator: 'đơn vị vận hành sàn',
  reader: 'chỉ đọc',
  editor: 'biên tập',
  admin: 'quản trị',
  operator: 'vận hành sàn',
  'no province': 'không thuộc tỉnh nào',
  none: 'không có',
}

/** Problem details and field details, by their English. */
export const messages: Record<string, string> = {
  // The framework and the HTTP layer
  'The request does not match the schema; see errors': 'Yêu cầu không khớp với lược đồ; xem errors',
  'Idempotency-Key must be 1-255 visible ASCII characters, such as a UUID': 'Idempotency-Key phải gồm 1-255 ký tự ASCII nhìn thấy được, ví dụ một UUID',
  'The request body is larger than the server accepts': 'Nội dung yêu cầu lớn hơn mức máy chủ chấp nhận',
  'Send the body as application/json': 'Hãy gửi nội dung dạng application/json',
  'The body is empty but application/json was declared': 'Nội dung rỗng nhưng khai báo là application/json',
  'The body is not valid JSON': 'Nội dung không phải JSON hợp lệ',
  'The body length does not match Content-Length': 'Độ dài nội dung không khớp với Content-Length',
  'The URL path is not valid percent-encoded UTF-8': 'Đường dẫn URL không phải UTF-8 mã hóa phần trăm hợp lệ',
  'A path segment is longer than any id this API uses': 'Một đoạn đường dẫn dài hơn mọi mã định danh của API này',
  'Too many requests; wait for the time in Retry-After': 'Quá nhiều yêu cầu; hãy chờ hết thời gian trong Retry-After',
  'Too many requests; try again in {seconds} seconds': 'Quá nhiều yêu cầu; hãy thử lại sau {seconds} giây',
  'Too many failed API key checks from this address; try again in {seconds} seconds':
    'Địa chỉ này kiểm tra khóa API sai quá nhiều lần; hãy thử lại sau {seconds} giây',
  'Something went wrong on our side; quote the requestId when reporting it': 'Máy chủ gặp lỗi; hãy nêu requestId khi báo lỗi',
  '{method} is not allowed on {path}: use {allowed}': '{path} không nhận {method}: hãy dùng {allowed}',
  'No route {method} {path}': 'Không có đường dẫn {method} {path}',
  'The database is unreachable for a moment; retry after the time in Retry-After':
    'Tạm thời không kết nối được cơ sở dữ liệu; hãy thử lại sau thời gian trong Retry-After',
  'A request with this Idempotency-Key is still being processed; retry after Retry-After seconds with the same key':
    'Một yêu cầu với Idempotency-Key này vẫn đang được xử lý; hãy thử lại sau số giây trong Retry-After với cùng khóa',
  'The request failed as it was being committed and nothing was kept; retry it with the same Idempotency-Key':
    'Yêu cầu lỗi khi đang ghi và không có gì được lưu; hãy gửi lại với cùng Idempotency-Key',
  'This Idempotency-Key was used for a different request; use a new key for a new request':
    'Idempotency-Key này đã dùng cho một yêu cầu khác; yêu cầu mới cần khóa mới',
  'Text must be valid Unicode without NUL characters; see errors': 'Văn bản phải là Unicode hợp lệ, không có ký tự NUL; xem errors',
  'The Authorization header must be: Bearer <key>': 'Tiêu đề Authorization phải có dạng: Bearer <khóa>',
  'The API key is unknown, revoked or expired': 'Khóa API không tồn tại, đã bị thu hồi hoặc đã hết hạn',
  '/metrics needs Authorization: Bearer <METRICS_TOKEN>': '/metrics cần tiêu đề Authorization: Bearer <METRICS_TOKEN>',
  'A valid API key is required: Authorization: Bearer <key>': 'Cần một khóa API hợp lệ: Authorization: Bearer <khóa>',
  'The resource has changed since you read it; fetch it again': 'Bản ghi đã thay đổi kể từ lúc bạn đọc; hãy đọc lại',
  'If-Match must be an ETag this API returned, such as "3"': 'If-Match phải là một ETag do API này trả về, ví dụ "3"',
  'The cursor is malformed, was not written by this API, or belongs to another sort order; start again without it':
    'Con trỏ trang sai dạng, không do API này tạo hoặc thuộc cách sắp xếp khác; hãy bắt đầu lại không có con trỏ',
  'The cursor is malformed or belongs to another query or sort order; start again without it':
    'Con trỏ trang sai dạng hoặc thuộc truy vấn, cách sắp xếp khác; hãy bắt đầu lại không có con trỏ',
  'The cursor is malformed or belongs to another list; start again without it':
    'Con trỏ trang sai dạng hoặc thuộc danh sách khác; hãy bắt đầu lại không có con trỏ',
  'A record with the same unique value already exists{constraint}': 'Đã có bản ghi mang cùng giá trị duy nhất{constraint}',
  'A referenced record does not exist{constraint}': 'Bản ghi được tham chiếu không tồn tại{constraint}',
  'The values break a rule of the record{constraint}': 'Các giá trị vi phạm một quy tắc của bản ghi{constraint}',
  'A value is longer than allowed': 'Một giá trị dài hơn mức cho phép',
  'A value holds text the database cannot store, such as a NUL character': 'Một giá trị chứa văn bản cơ sở dữ liệu không lưu được, ví dụ ký tự NUL',
  'A value has the wrong format or is out of range': 'Một giá trị sai định dạng hoặc ngoài phạm vi',
  '{resource} {id} does not exist or is not visible to you': '{resource:noun} {id} không tồn tại hoặc bạn không được xem',
  'Query parameter {name} {detail}': 'Tham số truy vấn {name} {detail:message}',
  'Query parameter types {detail}': 'Tham số truy vấn types {detail:message}',
  'names {values}, not a feed event type ({types})': 'nêu {values}, không phải loại sự kiện của luồng tin ({types})',
  'Province code {code} is neither a 2025 nor a legacy unit; see /v1/reference/provinces':
    'Mã tỉnh {code} không phải đơn vị hành chính năm 2025 hay đơn vị cũ; xem /v1/reference/provinces',

  // Field details: the schema validator's and our own
  'is required': 'là bắt buộc',
  'is not a known field': 'không phải trường đã biết',
  'is not a known parameter': 'không phải tham số đã biết',
  'is invalid': 'không hợp lệ',
  'does not match the schema': 'không khớp với lược đồ',
  'must be one of {values}': 'phải là một trong {values}',
  'must be an integer, written in digits': 'phải là số nguyên, viết bằng chữ số',
  'must be a number, written in digits': 'phải là số, viết bằng chữ số',
  'must be true or false': 'phải là true hoặc false',
  'must be {type}': 'phải có kiểu {type}',
  'Drafts are visible only to their owner and its delegates: pass owner=<the owner id> with a key that acts for it, or use an operator key':
    'Bản nháp chỉ chủ sở hữu và bên được ủy quyền xem được: hãy truyền owner=<mã chủ sở hữu> với khóa đại diện cho chủ đó, hoặc dùng khóa vận hành sàn',
  'must not have more than {n} characters': 'không được dài quá {n} ký tự',
  'must not have fewer than {n} characters': 'phải có ít nhất {n} ký tự',
  'must not have more than {n} items': 'không được có quá {n} phần tử',
  'must not have fewer than {n} items': 'phải có ít nhất {n} phần tử',
  'must not have more than {n} properties': 'không được có quá {n} trường',
  'must not have fewer than {n} properties': 'phải có ít nhất {n} trường',
  'must not have duplicate items': 'không được có phần tử trùng nhau',
  'must not have additional properties': 'không được có trường lạ',
  'must be either {types}': 'phải có một trong các kiểu {types}',
  'must be >= {n}': 'phải ≥ {n}',
  'must be <= {n}': 'phải ≤ {n}',
  'must be > {n}': 'phải > {n}',
  'must be < {n}': 'phải < {n}',
  'must be multiple of {n}': 'phải là bội số của {n}',
  'must match pattern "{pattern}"': 'phải khớp mẫu "{pattern}"',
  'must match format "{format}"': 'phải đúng định dạng "{format}"',
  'must be equal to constant': 'phải bằng giá trị cố định',
  'must be equal to one of the allowed values': 'phải là một trong các giá trị cho phép',
  'must match a schema in anyOf': 'phải khớp một trong các lược đồ anyOf',
  'must match exactly one schema in oneOf': 'phải khớp đúng một lược đồ oneOf',
  'must not be valid': 'không được khớp lược đồ này',
  'must contain at least 1 valid item': 'phải có ít nhất 1 phần tử hợp lệ',
  'is not one of the allowed values': 'không phải giá trị cho phép',
  'contains a NUL character (U+0000), which cannot be stored': 'chứa ký tự NUL (U+0000), không lưu được',
  'contains an unpaired UTF-16 surrogate: it is not valid Unicode text': 'chứa nửa cặp UTF-16 lẻ: không phải văn bản Unicode hợp lệ',
  'is a field name that {detail}': 'là tên trường {detail:message}',
  'is not a known province code': 'không phải mã tỉnh đã biết',
  'is not a date-time this server can read': 'không phải thời điểm máy chủ đọc được',
  'must not be after to': 'không được sau to',
  'must not exceed trlMax': 'không được lớn hơn trlMax',
  'must not exceed priceMax': 'không được lớn hơn priceMax',
  'must not exceed budgetMax': 'không được lớn hơn budgetMax',
  'must not exceed budgetMaxVnd ({max})': 'không được lớn hơn budgetMaxVnd ({max})',
  'must not be below budgetMinVnd ({min})': 'không được nhỏ hơn budgetMinVnd ({min})',
  'relevance needs q': 'relevance cần q',
  'is before from': 'ở trước from',
  'is before startsOn': 'ở trước startsOn',
  'is after today': 'ở sau hôm nay',
  'is in the past': 'đã qua',
  'is not in the future': 'không ở tương lai',
  'must not be in the future': 'không được ở tương lai',
  'must be in the future and within a year': 'phải ở tương lai và trong vòng một năm',
  'must be a date from year 1': 'phải là ngày từ năm 1 trở đi',
  'must be a JSON object': 'phải là một đối tượng JSON',
  'must be text of 1 to 200 characters': 'phải là văn bản 1-200 ký tự',
  'is named twice': 'được nêu hai lần',
  'ranges overlap': 'các khoảng chồng lên nhau',
  'range {n} is not valid': 'khoảng {n} không hợp lệ',
  'cuts the range into too many periods': 'chia khoảng thời gian thành quá nhiều kỳ',
  'is required when priceType is amount': 'là bắt buộc khi priceType là amount',
  'must be absent or null when priceType is negotiable': 'phải bỏ trống hoặc null khi priceType là negotiable',
  'must be absent when priceType is free': 'phải bỏ trống khi priceType là free',
  'must be empty when iprStatus is {status}: only patents and utility solutions have numbers':
    'phải để trống khi iprStatus là {status}: chỉ sáng chế và giải pháp hữu ích mới có số bằng',
  'is required when status is closed': 'là bắt buộc khi status là closed',
  'is required when closeReason is other': 'là bắt buộc khi closeReason là other',
  'is required when reason is other': 'là bắt buộc khi reason là other',
  'must be after {date} and not before {today}': 'phải sau {date} và không trước {today}',
  'is required for operator keys': 'là bắt buộc với khóa vận hành sàn',
  'is required for the operator': 'là bắt buộc với đơn vị vận hành sàn',
  'is required: provider or seeker': 'là bắt buộc: provider hoặc seeker',
  'is set by the exchange operator': 'do đơn vị vận hành sàn đặt',
  'is the agent itself': 'chính là bên được ủy quyền',
  'is the organisation itself': 'chính là tổ chức này',
  'is the organisation being merged': 'chính là tổ chức đang được sáp nhập',
  'is the lead; the lead is not its own partner': 'là đơn vị chủ trì; đơn vị chủ trì không là đối tác của chính mình',
  'is also a co-organiser': 'cũng là đơn vị đồng tổ chức',
  'is a {kind}': 'là {kind:code}',
  'is not allowed for a {kind}': 'không được phép với {kind:code}',
  'is not a URL': 'không phải URL',
  'is not http or https': 'không phải http hay https',
  'has a host that does not resolve': 'có tên máy chủ không phân giải được',
  'resolves to a private, loopback, link-local, reserved or documentation address':
    'trỏ tới địa chỉ nội bộ, loopback, link-local, dành riêng hoặc dùng cho tài liệu',
  'is not a known event': 'không phải sự kiện đã biết',
  'is not a known organisation': 'không phải tổ chức đã biết',
  'is not a connection point or authority': 'không phải điểm kết nối hay Sở Khoa học và Công nghệ',
  "is not in the authority's province": 'không thuộc tỉnh của Sở',
  'is for connection points (a DOST serves its province)': 'chỉ dành cho điểm kết nối (Sở phục vụ tỉnh của mình)',
  'is for the operator; an agent proposes and the member accepts': 'dành cho đơn vị vận hành sàn; bên được ủy quyền đề xuất và thành viên chấp nhận',
  "is outside the connection point's declared scope": 'nằm ngoài phạm vi đã khai báo của điểm kết nối',
  'is not an organisation this key acts for': 'không phải tổ chức mà khóa này đại diện',
  'is not the caller organisation': 'không phải tổ chức của khóa gọi',
  'is not a deal of the lead or a partner': 'không phải giao dịch của đơn vị chủ trì hay một đối tác',
  'is not a demand the task may name': 'không phải nhu cầu mà nhiệm vụ được nêu',
  'is not a listing the task may name': 'không phải tin chào mà nhiệm vụ được nêu',
  'is not a listing the chain may name': 'không phải tin chào mà chuỗi giá trị được nêu',
  'is not a published listing': 'không phải tin chào đã công bố',
  'is not running or recently over': 'không đang diễn ra hay vừa kết thúc',
  'is the tax code of another enterprise': 'là mã số thuế của doanh nghiệp khác',
  "is this exchange's id (EXCHANGE_ID)": 'là mã của chính sàn này (EXCHANGE_ID)',
  'has no letters or digits': 'không có chữ cái hay chữ số',
  'must be between {from} and {to}': 'phải trong khoảng từ {from} đến {to}',
  'was merged into {id}; name its successor': 'đã được sáp nhập vào {id}; hãy nêu tổ chức kế thừa',
  'names organisation {id}, which was merged into {successor} and is read-only': 'nêu tổ chức {id}, đã được sáp nhập vào {successor} và chỉ còn để đọc',
  '{name} does not take it': '{name} không nhận trường này',
  'comes after {kind} in the chain, or repeats it': 'đứng sau {kind} trong chuỗi, hoặc lặp lại nó',
  'a synonym has no trigger: each of its phrases brings in the others': 'một nhóm đồng nghĩa không có cụm kích hoạt: mỗi cụm của nó kéo theo các cụm còn lại',
  'a {kind} has {min}-{max} phrases, not {count}': 'một {kind} có {min}-{max} cụm từ, không phải {count}',
  'an expansion needs the phrase that sets it off': 'một mục mở rộng cần cụm từ kích hoạt',
  'does not contain, as a longer phrase, any phrase that sets the entry off: it could never apply':
    'không chứa (như một cụm dài hơn) cụm nào kích hoạt mục này: mục sẽ không bao giờ được áp dụng',
  'is the same as {other} once folded ("{folded}")': 'trùng với {other} khi bỏ dấu ("{folded}")',
  'is before today ({today}, Vietnam time): a listing past its validity cannot be published':
    'ở trước hôm nay ({today}, giờ Việt Nam): tin đã quá hạn hiệu lực không công bố được',
  'has passed (today is {today} in Vietnam): a demand past its deadline cannot open': 'đã qua (hôm nay là {today} ở Việt Nam): nhu cầu quá hạn không mở được',
  'cannot change: the organisation is a {kind}': 'không đổi được: tổ chức là {kind:code}',
  'looks like {n} listing(s) already on the exchange': 'giống {n} tin chào đã có trên sàn',

  // Keys and access
  'A reader key cannot create {what}; use an admin or editor key': 'Khóa chỉ đọc không tạo được {what:noun}; hãy dùng khóa quản trị hoặc biên tập',
  'This key may create {what} only for its own organisation or for members that delegated to it':
    'Khóa này chỉ tạo {what:noun} cho tổ chức của mình hoặc cho thành viên đã ủy quyền cho nó',
  'Organisation {id} was merged into {successor} and is read-only; act on {successor2} instead':
    'Tổ chức {id} đã được sáp nhập vào {successor} và chỉ còn để đọc; hãy thao tác trên {successor2}',
  "Only an organisation's admin key (or the operator) manages its API keys":
    'Chỉ khóa quản trị của tổ chức (hoặc đơn vị vận hành sàn) quản lý khóa API của tổ chức đó',
  'Operator keys are created and managed by operator keys only': 'Khóa vận hành sàn chỉ do khóa vận hành sàn tạo và quản lý',
  'An admin key creates keys for its own organisation only': 'Khóa quản trị chỉ tạo khóa cho tổ chức của mình',
  "Only the operator lists another organisation's keys": 'Chỉ đơn vị vận hành sàn được xem khóa của tổ chức khác',
  'The operator role is reserved for the exchange operator organisation': 'Vai trò operator chỉ dành cho tổ chức vận hành sàn',
  'A revoked key cannot be rotated; create a new key instead': 'Khóa đã thu hồi không xoay vòng được; hãy tạo khóa mới',
  'An expired key cannot be rotated; create a new key instead': 'Khóa đã hết hạn không xoay vòng được; hãy tạo khóa mới',
  'The key has already been rotated; rotate its successor instead': 'Khóa này đã được xoay vòng; hãy xoay vòng khóa kế tiếp của nó',
  'The key was already revoked at {at}': 'Khóa đã bị thu hồi lúc {at}',
  'expiresAt must be in the future': 'expiresAt phải ở tương lai',
  "The audit trail is for admin keys (their organisation's events) and the operator; this is a {role} key":
    'Nhật ký kiểm toán dành cho khóa quản trị (sự kiện của tổ chức mình) và đơn vị vận hành sàn; đây là khóa {role:code}',
  'A key is needed to export {what}': 'Cần khóa API để xuất {what:noun}',
  "Only the operator, or an owner (or its delegate) asking with owner=<the owner's id>, may export {what}":
    'Chỉ đơn vị vận hành sàn, hoặc chủ sở hữu (hay bên được ủy quyền) hỏi kèm owner=<mã chủ sở hữu>, được xuất {what:noun}',
  'A key is needed to list {status} listings': 'Cần khóa API để liệt kê tin chào {status:code}',
  "Only the operator, or an owner (or its delegate) asking with owner=<the owner's id>, may list {status} listings":
    'Chỉ đơn vị vận hành sàn, hoặc chủ sở hữu (hay bên được ủy quyền) hỏi kèm owner=<mã chủ sở hữu>, được liệt kê tin chào {status:code}',

  // Organisations
  'Only the exchange operator, or admin keys of a connection point or authority onboarding a member, register organisations':
    'Chỉ đơn vị vận hành sàn, hoặc khóa quản trị của điểm kết nối hay Sở đang tiếp nhận thành viên, được đăng ký tổ chức',
  'A connection point or authority onboards enterprises, transfer centres, research institutes and universities, not a {kind}':
    'Điểm kết nối hay Sở tiếp nhận doanh nghiệp, trung tâm chuyển giao, viện nghiên cứu và trường đại học, không tiếp nhận {kind:code}',
  'An onboarding agent may set only itself as the parent': 'Bên tiếp nhận chỉ được đặt chính mình làm tổ chức cấp trên',
  'Only the operator declares a delegation scope': 'Chỉ đơn vị vận hành sàn khai báo phạm vi ủy quyền',
  "The key's organisation no longer exists": 'Tổ chức của khóa này không còn tồn tại',
  "Only the organisation's admin keys or the operator may change it": 'Chỉ khóa quản trị của tổ chức hoặc đơn vị vận hành sàn được sửa tổ chức',
  'Only the operator changes {fields}': 'Chỉ đơn vị vận hành sàn được đổi {fields}',
  'An organisation cannot be its own parent': 'Một tổ chức không thể là cấp trên của chính nó',
  'Only connection points have a delegation scope; this organisation is a {kind}': 'Chỉ điểm kết nối có phạm vi ủy quyền; tổ chức này là {kind:code}',
  'Only the exchange operator merges organisations': 'Chỉ đơn vị vận hành sàn sáp nhập tổ chức',
  'An organisation cannot be merged into itself': 'Một tổ chức không thể sáp nhập vào chính nó',
  'Organisation {id} does not exist': 'Tổ chức {id} không tồn tại',
  'No organisation has id {id}': 'Không có tổ chức mang mã {id}',
  'Organisation {id} was already merged into {successor} at {at}; a merge is applied once':
    'Tổ chức {id} đã được sáp nhập vào {successor} lúc {at}; mỗi lần sáp nhập chỉ áp dụng một lần',
  'Organisation {id} was itself merged into {successor}; merge into the final successor instead':
    'Tổ chức {id} cũng đã được sáp nhập vào {successor}; hãy sáp nhập vào tổ chức kế thừa cuối cùng',

  // Delegations
  'This member already has an active delegation to this agent': 'Thành viên này đã có ủy quyền đang hiệu lực cho bên này',
  "This agent already proposed to act for this member (delegation {id}); it waits for the member's answer":
    'Bên này đã đề xuất đại diện cho thành viên (ủy quyền {id}); đang chờ thành viên trả lời',
  'Only connection points and authorities act for members; this one is a {kind}':
    'Chỉ điểm kết nối và Sở được đại diện cho thành viên; tổ chức này là {kind:code}',
  'An organisation cannot delegate to itself': 'Một tổ chức không thể ủy quyền cho chính nó',
  'Only enterprises, transfer centres, research institutes and universities can be members; this one is a {kind}':
    'Chỉ doanh nghiệp, trung tâm chuyển giao, viện nghiên cứu và trường đại học được làm thành viên; tổ chức này là {kind:code}',
  'Organisation {id} was merged into {successor}; delegate to or from {successor2} instead':
    'Tổ chức {id} đã được sáp nhập vào {successor}; hãy ủy quyền cho hoặc từ {successor2}',
  'The operator names the agent': 'Đơn vị vận hành sàn phải nêu bên được ủy quyền',
  'Only admin keys of a connection point or authority, or the operator, propose delegations':
    'Chỉ khóa quản trị của điểm kết nối hay Sở, hoặc đơn vị vận hành sàn, được đề xuất ủy quyền',
  'A key proposes delegations to its own organisation only': 'Khóa chỉ đề xuất ủy quyền cho tổ chức của mình',
  "Only the operator records a delegation without the member's acceptance": 'Chỉ đơn vị vận hành sàn ghi nhận ủy quyền không cần thành viên chấp nhận',
  "Only the member's admin keys accept a delegation; the operator records one with a basis instead (POST /v1/delegations with basis)":
    'Chỉ khóa quản trị của thành viên chấp nhận ủy quyền; đơn vị vận hành sàn thì ghi nhận kèm căn cứ (POST /v1/delegations với basis)',
  "Only the member's admin keys decline a delegation": 'Chỉ khóa quản trị của thành viên từ chối ủy quyền',
  "Only the agent's admin keys or the operator withdraw a proposal; the member declines it":
    'Chỉ khóa quản trị của bên được ủy quyền hoặc đơn vị vận hành sàn rút đề xuất; thành viên thì từ chối nó',
  "Only the member's or the agent's admin keys, or the operator, end a delegation":
    'Chỉ khóa quản trị của thành viên hay bên được ủy quyền, hoặc đơn vị vận hành sàn, chấm dứt ủy quyền',
  'The delegation is already {status}': 'Ủy quyền đã ở trạng thái {status}',
  'The delegation changed meanwhile; read it again': 'Ủy quyền vừa thay đổi; hãy đọc lại',
  "The operator has not declared this connection point's scope (provinces, sectors), so it takes no members yet; ask the operator":
    'Đơn vị vận hành sàn chưa khai báo phạm vi (tỉnh, lĩnh vực) của điểm kết nối này, nên nó chưa nhận thành viên; hãy liên hệ đơn vị vận hành sàn',
  'This connection point serves members in {provinces}; this one is in {province}':
    'Điểm kết nối này phục vụ thành viên ở {provinces}; thành viên này ở {province:noun}',
  'This connection point serves members working in sectors {sectors}; this one declares {declared}':
    'Điểm kết nối này phục vụ thành viên hoạt động trong lĩnh vực {sectors}; thành viên này khai báo {declared:noun}',
  'An authority (DOST) may only act for members in its own province': 'Sở Khoa học và Công nghệ chỉ đại diện cho thành viên trong tỉnh của mình',

  // Processes (deals, tasks, delegations)
  '{name} is not possible while the {subject} is {state}': 'Không thể {name} khi {subject:noun} đang ở trạng thái {state:code}',
  '{name} is fired by {parties}; this key is {roles} on this {subject}': '{name} do {parties} thực hiện; khóa này là {roles} trên {subject:noun} này',
  '{name} does not take {field}': '{name} không nhận {field}',
  'The input does not fit {name}; see GET /v1/deal-process': 'Dữ liệu không khớp với {name}; xem GET /v1/deal-process',
  'Only the side that did not start the deal answers it': 'Chỉ bên không khởi tạo giao dịch mới trả lời',
  'The time to answer has not passed': 'Chưa hết thời hạn trả lời',
  'The time to answer has passed: the interest expires': 'Đã hết thời hạn trả lời: lời quan tâm hết hiệu lực',
  'Your side already has an open offer on this deal; withdraw it before making another':
    'Bên bạn đã có một đề nghị đang mở trong giao dịch này; hãy rút nó trước khi đưa đề nghị khác',
  "offerId is not the other side's open, valid offer on this deal": 'offerId không phải đề nghị đang mở, còn hiệu lực của bên kia trong giao dịch này',
  'offerId is not your open offer on this deal': 'offerId không phải đề nghị đang mở của bạn trong giao dịch này',
  'The open offer is still valid': 'Đề nghị đang mở vẫn còn hiệu lực',
  "milestoneId is not one of this deal's open milestones": 'milestoneId không phải một mốc chưa xong của giao dịch này',
  'Every milestone must be done before the transfer is completed': 'Mọi mốc phải xong trước khi hoàn thành chuyển giao',
  'The deal is not disputed': 'Giao dịch không có tranh chấp',
  'A joint task needs at least one partner that accepted before it is approved': 'Nhiệm vụ liên kết cần ít nhất một đối tác đã chấp nhận trước khi được duyệt',
  'Record at least one output (PATCH outputs) before completing the task': 'Hãy ghi ít nhất một kết quả (PATCH outputs) trước khi hoàn thành nhiệm vụ',

  // Deals
  'A reader key cannot start a deal': 'Khóa chỉ đọc không khởi tạo được giao dịch',
  'A reader key cannot move a deal': 'Khóa chỉ đọc không chuyển trạng thái giao dịch được',
  'A reader key cannot write messages': 'Khóa chỉ đọc không viết tin nhắn được',
  'This seeker already has an open deal on this listing: {id}': 'Bên tìm công nghệ này đã có giao dịch đang mở với tin chào này: {id}',
  'This seeker already has an open deal on this listing': 'Bên tìm công nghệ này đã có giao dịch đang mở với tin chào này',
  'Start a deal with listingId (an interest), listingId and demandId (a proposal), or matchId alone (a shortlisted match)':
    'Khởi tạo giao dịch với listingId (quan tâm), listingId và demandId (đề xuất), hoặc chỉ matchId (kết nối đã chọn)',
  'Only a shortlisted match starts a deal; this one is {status}': 'Chỉ kết nối đã được chọn mới khởi tạo giao dịch; kết nối này {status:code}',
  "Only those who act for the listing's owner propose it for a demand": 'Chỉ bên đại diện cho chủ tin chào mới đề xuất nó cho một nhu cầu',
  'Only an open demand (deadline not passed) takes proposals': 'Chỉ nhu cầu đang mở (chưa quá hạn) nhận đề xuất',
  "A listing is not proposed for its owner's own demand": 'Không đề xuất tin chào cho nhu cầu của chính chủ tin',
  'The operator starts a deal for a seeker: name it in seekerId':
    'Đơn vị vận hành sàn khởi tạo giao dịch thay bên tìm công nghệ: hãy nêu bên đó trong seekerId',
  'A key expresses interest for its own organisation or for one that delegated to it':
    'Khóa bày tỏ quan tâm cho tổ chức của mình hoặc tổ chức đã ủy quyền cho nó',
  'An organisation does not start a deal on its own listing': 'Tổ chức không khởi tạo giao dịch với tin chào của chính mình',
  'Only a published listing that has not expired starts a deal': 'Chỉ tin chào đã công bố, chưa hết hạn mới khởi tạo giao dịch',
  'The seeker acts for the provider (as its delegate or successor); a deal needs two sides':
    'Bên tìm công nghệ đại diện cho bên chuyển giao (được ủy quyền hoặc kế thừa); giao dịch cần hai bên',
  'This key does not act for the {side} on this deal': 'Khóa này không đại diện cho {side:code} trong giao dịch này',
  'This key acts for both sides of the deal: say which in `side`': 'Khóa này đại diện cho cả hai bên của giao dịch: hãy nêu bên nào trong `side`',
  'The deal changed while this move was applied; read it again': 'Giao dịch đã thay đổi khi đang chuyển trạng thái; hãy đọc lại',
  'This key lists the deals of its own organisation or of those it acts for': 'Khóa này chỉ liệt kê giao dịch của tổ chức mình hoặc tổ chức nó đại diện',
  'The deal is {state}; its messages are read-only': 'Giao dịch đang ở trạng thái {state:code}; tin nhắn chỉ còn để đọc',
  'An offer with priceType amount states priceVnd': 'Đề nghị có priceType amount phải nêu priceVnd',
  'A free transfer has no price': 'Chuyển giao miễn phí không có giá',
  'An offer is valid for up to a year from now': 'Đề nghị có hiệu lực tối đa một năm kể từ nay',
  'A milestone is due on a real date': 'Mốc phải có hạn là một ngày có thật',
  'A contract is recorded once signed': 'Hợp đồng chỉ được ghi nhận khi đã ký',
  'A transfer completes after its contract was signed, and not in the future': 'Chuyển giao hoàn thành sau ngày ký hợp đồng, và không ở tương lai',
  'A deal names an event from its first day until {days} days after its last': 'Giao dịch nêu sự kiện từ ngày đầu đến {days} ngày sau ngày cuối của sự kiện',
  'There is no event {id}': 'Không có sự kiện {id}',

  // Matching
  'Only the demand owner and brokers see dismissed matches': 'Chỉ chủ nhu cầu và bên môi giới xem được kết nối bị loại',
  'A reader key cannot recompute matches': 'Khóa chỉ đọc không tính lại kết nối được',
  'A reader key cannot propose matches': 'Khóa chỉ đọc không đề xuất kết nối được',
  'Only an {state} is matched': 'Chỉ {state} mới được kết nối',
  "Only the demand owner's (or its delegates') admin or editor keys, or the operator, curate its matches":
    'Chỉ khóa quản trị hay biên tập của chủ nhu cầu (hoặc bên được ủy quyền), hoặc đơn vị vận hành sàn, sắp xếp kết nối của nhu cầu',
  'A {status} match cannot be {action}': 'Kết nối {status:code} không thể {action:noun}',
  'Only brokers (connection points, transfer centres, DOSTs) and the operator propose matches':
    'Chỉ bên môi giới (điểm kết nối, trung tâm chuyển giao, Sở) và đơn vị vận hành sàn đề xuất kết nối',
  'Only an open demand (deadline not passed) is matched': 'Chỉ nhu cầu đang mở (chưa quá hạn) được kết nối',
  'Only a published listing (not expired) is matched': 'Chỉ tin chào đã công bố (chưa hết hạn) được kết nối',
  "A demand is never matched with its owner's own listing": 'Nhu cầu không bao giờ được kết nối với tin chào của chính chủ nó',
  'The demand owner dismissed this pair; it is not proposed again': 'Chủ nhu cầu đã loại cặp này; nó không được đề xuất lại',
  'A broker already proposed this pair: match {id}': 'Một bên môi giới đã đề xuất cặp này: kết nối {id}',
  'The matches of a {direction} are for its owner (and its delegates), brokers (connection points, transfer centres, DOSTs) and the operator':
    'Kết nối của {direction:noun} dành cho chủ của nó (và bên được ủy quyền), bên môi giới (điểm kết nối, trung tâm chuyển giao, Sở) và đơn vị vận hành sàn',

  // Listings and demands
  'The listing breaks a rule; see errors': 'Tin chào vi phạm một quy tắc; xem errors',
  'A {status} listing can no longer be edited': 'Tin chào {status:code} không sửa được nữa',
  'A {status} listing is not renewed: publish it with the date it should stand until':
    'Tin chào {status:code} không gia hạn được: hãy công bố nó với ngày hết hiệu lực mong muốn',
  'This listing has no validUntil: it stands until it is withdrawn': 'Tin chào này không có validUntil: nó còn hiệu lực đến khi bị rút',
  'Renewal opens on {date}, {days} days before validUntil {until} (today is {today} in Vietnam)':
    'Được gia hạn từ ngày {date}, {days} ngày trước validUntil {until} (hôm nay là {today} theo giờ Việt Nam)',
  'A renewal moves validUntil past {date} and not before today ({today})': 'Gia hạn phải dời validUntil qua sau {date} và không trước hôm nay ({today})',
  'A {status} demand can no longer be edited': 'Nhu cầu {status:code} không sửa được nữa',
  'The listing changed while this request ran; fetch it and try again': 'Tin chào đã thay đổi khi yêu cầu đang chạy; hãy đọc lại và thử lại',
  'The demand changed while this request ran; fetch it and try again': 'Nhu cầu đã thay đổi khi yêu cầu đang chạy; hãy đọc lại và thử lại',
  'Only an operator key may unpublish a listing': 'Chỉ khóa vận hành sàn được gỡ tin chào',
  "Only the owner's admin or editor keys, its delegates' admin or editor keys, or the operator, may change a listing":
    'Chỉ khóa quản trị hay biên tập của chủ tin, của bên được ủy quyền, hoặc đơn vị vận hành sàn được sửa tin chào',
  'Only the enterprise that filed the demand, a connection point or DOST it delegated to (admin or editor keys), or the operator may change it':
    'Chỉ doanh nghiệp đăng nhu cầu, điểm kết nối hay Sở được ủy quyền (khóa quản trị hoặc biên tập), hoặc đơn vị vận hành sàn được sửa nhu cầu',
  'Only enterprises file demand requests; the owner is a {kind} organisation': 'Chỉ doanh nghiệp đăng nhu cầu công nghệ; chủ sở hữu là {kind:code}',
  'sort=relevance ranks by q: give q or sort by newest': 'sort=relevance xếp theo q: hãy nêu q hoặc sắp xếp theo newest',
  'budgetMin is greater than budgetMax: the range is empty': 'budgetMin lớn hơn budgetMax: khoảng rỗng',
  'The budget range is empty: budgetMinVnd {min} is greater than budgetMaxVnd {max}': 'Khoảng ngân sách rỗng: budgetMinVnd {min} lớn hơn budgetMaxVnd {max}',
  'A closed demand needs closeReason': 'Nhu cầu đã đóng cần closeReason',
  'Closing for reason `other` needs a closeNote saying why': 'Đóng với lý do `other` cần closeNote nêu lý do',
  'Closing for reason `other` needs a note saying why': 'Đóng với lý do `other` cần note nêu lý do',
  'The deadline {deadline} has passed (today is {today} in Vietnam); move it to open the demand':
    'Hạn {deadline} đã qua (hôm nay là {today} ở Việt Nam); hãy dời hạn để mở nhu cầu',
  'The deadline {deadline} has passed (today is {today} in Vietnam); move it before opening the demand':
    'Hạn {deadline} đã qua (hôm nay là {today} ở Việt Nam); hãy dời hạn trước khi mở nhu cầu',
  'validUntil {date} is before today ({today}, Vietnam time); set a later date or none to publish':
    'validUntil {date} ở trước hôm nay ({today}, giờ Việt Nam); hãy đặt ngày muộn hơn hoặc bỏ trống để công bố',
  'validUntil {date} is before today ({today}, Vietnam time); set a later date or none before publishing':
    'validUntil {date} ở trước hôm nay ({today}, giờ Việt Nam); hãy đặt ngày muộn hơn hoặc bỏ trống trước khi công bố',

  // Sources
  'Only the exchange operator registers sources': 'Chỉ đơn vị vận hành sàn đăng ký nguồn dữ liệu',
  'Only the admin and editor keys of the organisation that runs source {id}, or the operator, write its records':
    'Chỉ khóa quản trị và biên tập của tổ chức vận hành nguồn {id}, hoặc đơn vị vận hành sàn, ghi bản ghi của nguồn',
  "{id} is this exchange's own id: its records need no source": '{id} là mã của chính sàn này: bản ghi của sàn không cần nguồn',
  'Source {id} is already registered': 'Nguồn {id} đã được đăng ký',
  '{resource} {externalId} of {source} does not exist yet: send no If-Match to create it':
    '{resource:noun} {externalId} của {source} chưa tồn tại: hãy gửi không kèm If-Match để tạo',
  'The {subject} belongs to {owner}; a PUT does not move it to another owner': '{subject:noun} thuộc {owner}; PUT không chuyển nó sang chủ khác',
  'The {subject} changed while this request ran; send it again': '{subject:noun} đã thay đổi khi yêu cầu đang chạy; hãy gửi lại',
  "Only the source's organisation (admin or editor keys) acting for the {subject}'s owner, or the operator, may change it":
    'Chỉ tổ chức của nguồn (khóa quản trị hoặc biên tập) đại diện cho chủ {subject:noun}, hoặc đơn vị vận hành sàn, được sửa nó',
  "is not the {subject}'s owner": 'không phải chủ của {subject:noun}',
  'Listing {id} of {source} does not exist here: a listing is created as a draft or published, and only a published one is withdrawn':
    'Tin chào {id} của {source} chưa có ở đây: tin chào được tạo ở dạng nháp hoặc đã công bố, và chỉ tin đã công bố mới rút được',
  'A withdrawn listing is final: it can no longer change': 'Tin chào đã rút là trạng thái cuối: không đổi được nữa',
  'A draft listing cannot be withdrawn: it was never public. Publish it, or keep it as a draft':
    'Tin chào nháp không rút được: nó chưa từng công khai. Hãy công bố hoặc giữ ở dạng nháp',
  'Demand {id} of {source} does not exist here: a demand is created as a draft or open, and only an open one is closed':
    'Nhu cầu {id} của {source} chưa có ở đây: nhu cầu được tạo ở dạng nháp hoặc đang mở, và chỉ nhu cầu đang mở mới đóng được',
  'A closed demand is final: it can no longer change': 'Nhu cầu đã đóng là trạng thái cuối: không đổi được nữa',
  'A demand that is {from} cannot become {to}': 'Nhu cầu {from:code} không thể chuyển thành {to:code}',

  // Tasks, value chains, events, thesaurus
  'A reader key cannot change a task': 'Khóa chỉ đọc không sửa được nhiệm vụ',
  'A reader key cannot move a task': 'Khóa chỉ đọc không chuyển trạng thái nhiệm vụ được',
  "A task is edited by its lead's keys (and its delegates') or the operator":
    'Nhiệm vụ do khóa của đơn vị chủ trì (và bên được ủy quyền) hoặc đơn vị vận hành sàn sửa',
  'A {status} task is read-only': 'Nhiệm vụ {status:code} chỉ còn để đọc',
  'The task names what it may not; see errors': 'Nhiệm vụ nêu điều không được phép; xem errors',
  'The task changed while this edit was applied; read it again': 'Nhiệm vụ đã thay đổi khi đang sửa; hãy đọc lại',
  'The task changed while this move was applied; read it again': 'Nhiệm vụ đã thay đổi khi đang chuyển trạng thái; hãy đọc lại',
  'The task changed while this answer was applied; read it again': 'Nhiệm vụ đã thay đổi khi đang trả lời; hãy đọc lại',
  'This organisation already accepted; it is a partner of the task': 'Tổ chức này đã chấp nhận; nó là đối tác của nhiệm vụ',
  'The invitation was answered meanwhile; read the task again': 'Lời mời vừa được trả lời; hãy đọc lại nhiệm vụ',
  "An invitation is answered by the invited organisation's admin or editor keys (or those of an organisation acting for it), not by the lead or the operator":
    'Lời mời do khóa quản trị hay biên tập của tổ chức được mời (hoặc của tổ chức đại diện cho nó) trả lời, không phải đơn vị chủ trì hay đơn vị vận hành sàn',
  'completedOn is in the future': 'completedOn ở tương lai',
  'cancel needs a reason': 'cancel cần reason',
  'The chain names what it may not, or its stages are out of order; see errors': 'Chuỗi giá trị nêu điều không được phép, hoặc các khâu sai thứ tự; xem errors',
  "A value chain is kept by its owner's writing keys, its delegates' or the operator":
    'Chuỗi giá trị do khóa ghi của chủ sở hữu, của bên được ủy quyền hoặc đơn vị vận hành sàn quản lý',
  'The value chain changed while this edit was applied; read it again': 'Chuỗi giá trị đã thay đổi khi đang sửa; hãy đọc lại',
  "An event is kept by its organiser's writing keys, its delegates' or the operator":
    'Sự kiện do khóa ghi của đơn vị tổ chức, của bên được ủy quyền hoặc đơn vị vận hành sàn quản lý',
  'The event names what it may not; see errors': 'Sự kiện nêu điều không được phép; xem errors',
  'The event changed while this edit was applied; read it again': 'Sự kiện đã thay đổi khi đang sửa; hãy đọc lại',
  'Only the exchange operator keeps the thesaurus': 'Chỉ đơn vị vận hành sàn quản lý từ điển đồng nghĩa',
  'The thesaurus entry breaks a rule; see errors': 'Mục từ điển vi phạm một quy tắc; xem errors',
  'The thesaurus entry changed while this edit was applied; read it again': 'Mục từ điển đã thay đổi khi đang sửa; hãy đọc lại',

  // Webhooks
  "Only the organisation's admin keys (or its delegates', or the operator) manage its webhooks":
    'Chỉ khóa quản trị của tổ chức (hoặc của bên được ủy quyền, hoặc đơn vị vận hành sàn) quản lý webhook của tổ chức',
  'A key manages the webhooks of its own organisation, or of one that delegated to it':
    'Khóa quản lý webhook của tổ chức mình, hoặc của tổ chức đã ủy quyền cho nó',
  '{value} is not a URL': '{value} không phải URL',
  'A webhook URL is http or https': 'URL webhook phải là http hoặc https',
  '{host} does not resolve to an address': '{host} không phân giải ra địa chỉ nào',
  '{host} resolves to an address that is not public ({addresses}); webhooks go to public addresses only':
    '{host} trỏ tới địa chỉ không công khai ({addresses}); webhook chỉ gửi tới địa chỉ công khai',
  'The webhook is disabled ({reason}); re-enable it with PATCH {"status": "active"} first':
    'Webhook đang tắt ({reason}); hãy bật lại bằng PATCH {"status": "active"} trước',
  'The delivery is still being attempted{next}': 'Lần gửi vẫn đang được thử{next}',

  // Imports and reports
  'A reader key cannot import {kind}; use an admin or editor key': 'Khóa chỉ đọc không nhập được {kind:code}; hãy dùng khóa quản trị hoặc biên tập',
  'A key lists the imports of its own organisation, or of one it acts for (a member that delegated to it; any for the operator)':
    'Khóa liệt kê lượt nhập của tổ chức mình, hoặc của tổ chức nó đại diện (thành viên đã ủy quyền; mọi tổ chức với đơn vị vận hành sàn)',
  'Only operator keys import organisations, as only the operator registers any organisation':
    'Chỉ khóa vận hành sàn nhập tổ chức, vì chỉ đơn vị vận hành sàn đăng ký tổ chức',
  'Send the file as text/csv (UTF-8) or application/x-ndjson, with the file itself as the body':
    'Hãy gửi tệp dạng text/csv (UTF-8) hoặc application/x-ndjson, với chính tệp làm nội dung',
  'The file {detail}': 'Tệp {detail:message}',
  'The file is empty: nothing to import': 'Tệp rỗng: không có gì để nhập',
  'The file has a header but no rows': 'Tệp có dòng tiêu đề nhưng không có dòng dữ liệu',
  'The file is larger than this exchange accepts (IMPORT_MAX_BYTES, {bytes} bytes); split it into smaller files':
    'Tệp lớn hơn mức sàn chấp nhận (IMPORT_MAX_BYTES, {bytes} byte); hãy chia thành các tệp nhỏ hơn',
  'The file is not UTF-8 text: save it as "CSV UTF-8" (or convert it to UTF-8) and upload it again':
    'Tệp không phải văn bản UTF-8: hãy lưu ở dạng "CSV UTF-8" (hoặc chuyển sang UTF-8) rồi tải lên lại',
  'The upload stopped before the whole file arrived; nothing was kept': 'Việc tải lên dừng trước khi nhận đủ tệp; không có gì được lưu',
  'The first line names no known column ({cells}): a CSV import starts with a header line, with the field names or their Vietnamese headers (see docs/integration.md)':
    'Dòng đầu không nêu cột nào đã biết ({cells}): tệp CSV bắt đầu bằng dòng tiêu đề, với tên trường hoặc tiêu đề tiếng Việt của chúng (xem docs/integration.md)',
  'Columns "{earlier}" and "{header}" both fill {field}; keep one of them': 'Cột "{earlier}" và "{header}" cùng điền {field}; hãy giữ một cột',
  'Every {kind} row needs {fields}, but the header has no column for {them}': 'Mỗi dòng {kind:code} cần {fields}, nhưng dòng tiêu đề không có cột tương ứng',
  '{what} is longer than {chars} characters, far more than any row: most likely a quote is never closed, or the file is not one record per line':
    '{what} dài quá {chars} ký tự, dài hơn mọi dòng: có lẽ một dấu ngoặc kép không được đóng, hoặc tệp không phải mỗi dòng một bản ghi',
  '{problem}; close it with " (a quote inside a quoted field is written "")': '{problem}; hãy đóng bằng " (dấu ngoặc kép trong trường có ngoặc viết là "")',
  'At most {n} periods; widen the period or narrow from/to': 'Tối đa {n} kỳ; hãy chọn kỳ dài hơn hoặc thu hẹp from/to',
  'Range {n} ({range}) is not two real days in order': 'Khoảng {n} ({range}) không phải hai ngày có thật theo thứ tự',
  'Ranges overlap; a fact would count twice': 'Các khoảng chồng lên nhau; một số liệu sẽ bị đếm hai lần',
  'to is before from': 'to ở trước from',

  // Files
  '{detail}. Accepted: {accepted}': '{detail:message}. Các kiểu được chấp nhận: {accepted}',
  'The file is of no type this exchange keeps (its bytes match none)': 'Tệp không thuộc kiểu nào sàn lưu giữ (nội dung tệp không khớp kiểu nào)',
  'An Office 97–2003 file is kept only as .doc, .xls or .ppt': 'Tệp Office 97–2003 chỉ được lưu với đuôi .doc, .xls hoặc .ppt',
  "The file's bytes are {type} (.{ext}), which this exchange does not keep": 'Nội dung tệp là {type} (.{ext}), kiểu mà sàn không lưu giữ',
  'The file is empty': 'Tệp rỗng',
  "The file's SHA-256 is {actual}, not the {sent} sent: it changed on the way; send it again":
    'SHA-256 của tệp là {actual}, không phải {sent} như đã gửi: tệp bị thay đổi trên đường truyền; hãy gửi lại',
  'The image could not be read: {reason}': 'Không đọc được ảnh: {reason}',
  'A file on a {subject} is one of: {kinds}': 'Tệp của {subject:noun} là một trong các loại: {kinds}',
  'is not a kind of file on a {subject}': 'không phải loại tệp của {subject:noun}',
  'Only files on listings and demands wait for a deal stage': 'Chỉ tệp của tin chào và nhu cầu công nghệ mới chờ đến một giai đoạn giao dịch',
  "a {subject}'s files are read by whoever sees it": 'tệp của {subject:noun} được đọc bởi bất kỳ ai xem được nó',
  "milestoneId names none of the deal's milestones": 'milestoneId không phải mốc nào của giao dịch',
  'is not a milestone of this deal': 'không phải mốc của giao dịch này',
  'A photo must be an image (JPEG, PNG, WebP or GIF); this file is {type}': 'Ảnh phải là tệp hình (JPEG, PNG, WebP hoặc GIF); tệp này là {type}',
  'The upload took so long that it was given up; send it again': 'Việc tải lên kéo dài quá lâu nên đã bị hủy; hãy gửi lại',
  'This file is shown from the deal stage {stage} on: a deal of yours on the record must get that far first':
    'Tệp này chỉ hiển thị từ giai đoạn giao dịch {stage:code}: giao dịch của bạn trên bản ghi phải đi tới giai đoạn đó trước',
  'The bytes of file {id} are missing from the file store; upload it again': 'Nội dung tệp {id} không còn trong kho tệp; hãy tải lên lại',
  "Only the organisation that uploaded a deal's or a task's file (or the operator) may remove it":
    'Chỉ tổ chức đã tải lên tệp của giao dịch hoặc nhiệm vụ (hoặc đơn vị vận hành sàn) mới xóa được tệp đó',
  'The file store did not answer; try again shortly': 'Kho tệp không phản hồi; hãy thử lại sau ít phút',
  "Only the {record} owner's admin or editor keys, its delegates' admin or editor keys, or the operator, may attach files to a {record} or remove them":
    'Chỉ khóa quản trị hoặc biên tập của chủ sở hữu {record:noun}, của bên được ủy quyền, hoặc đơn vị vận hành sàn, mới đính kèm hoặc xóa được tệp của {record:noun}',
  '{detail}: it takes no new files (those it has stay until the retention sweep removes them)':
    '{detail:message}: không nhận thêm tệp mới (các tệp hiện có được giữ đến khi hết thời hạn lưu)',
  'Listing {id} was withdrawn': 'Tin chào công nghệ {id} đã bị rút',
  'Demand {id} is closed': 'Nhu cầu công nghệ {id} đã đóng',
  'A reader key cannot attach or remove files': 'Khóa chỉ đọc không đính kèm hoặc xóa tệp được',
  'The deal is {state}; its files are read-only': 'Giao dịch đang ở trạng thái {state:code}; tệp của nó chỉ còn để đọc',
  "A task's files are kept by the writing keys of its lead and partners, and the operator":
    'Tệp của nhiệm vụ do khóa ghi của đơn vị chủ trì, các đối tác và đơn vị vận hành sàn quản lý',
  "An event's files are kept by its organiser's writing keys, its delegates' or the operator":
    'Tệp của sự kiện do khóa ghi của đơn vị tổ chức, bên được ủy quyền hoặc đơn vị vận hành sàn quản lý',
  'The file is larger than this exchange accepts (FILE_MAX_BYTES, {bytes} bytes)': 'Tệp lớn hơn mức sàn chấp nhận (FILE_MAX_BYTES, {bytes} byte)',
  'Send the upload as multipart/form-data: the form fields and one part named file':
    'Hãy gửi tệp dạng multipart/form-data: các trường của biểu mẫu và một phần tên là file',
  'The file goes in the part named file, not {name}': 'Tệp phải nằm trong phần tên là file, không phải {name}',
  'The field {name} was sent twice': 'Trường {name} được gửi hai lần',
  'The upload has no file: send it as the part named file': 'Yêu cầu tải lên không có tệp: hãy gửi tệp trong phần tên là file',
  'Send one file per upload': 'Mỗi lần tải lên chỉ gửi một tệp',
  'The form has more parts than an upload takes ({parts})': 'Biểu mẫu có nhiều phần hơn mức một lần tải lên nhận ({parts})',
  'The multipart/form-data body is malformed': 'Nội dung multipart/form-data không đúng định dạng',

  // Range requests
  'The file has {size} bytes; ask for bytes within them (bytes=0-{last})': 'Tệp có {size} byte; hãy yêu cầu các byte trong khoảng đó (bytes=0-{last})',

  // Dated merges
  'A merge takes effect today or earlier, not on {day}; record it once it has taken effect':
    'Việc sáp nhập có hiệu lực từ hôm nay trở về trước, không phải ngày {day}; hãy ghi nhận khi đã có hiệu lực',

  // Splits
  'A split takes effect today or earlier, not on {day}; record it once it has taken effect':
    'Việc chia tách có hiệu lực từ hôm nay trở về trước, không phải ngày {day}; hãy ghi nhận khi đã có hiệu lực',
  'Only the exchange operator splits organisations': 'Chỉ đơn vị vận hành sàn chia tách tổ chức',
  'The split rules cannot be applied; see errors': 'Không áp dụng được các quy tắc chia tách; xem errors',
  'Organisation {id} was already merged or split at {at}; a merge or split is applied once':
    'Tổ chức {id} đã được sáp nhập hoặc chia tách lúc {at}; mỗi lần sáp nhập hoặc chia tách chỉ áp dụng một lần',
  'Organisation {id} was split between successors and is read-only; its successors may only retire its records':
    'Tổ chức {id} đã được chia tách cho các tổ chức kế thừa và chỉ còn để đọc; tổ chức kế thừa chỉ được rút hoặc đóng hồ sơ của nó',
  'is the last rule, the default successor: it has no condition': 'là quy tắc cuối cùng, tổ chức kế thừa mặc định: quy tắc này không có điều kiện',
  'has no condition; only the last rule (the default) may have none': 'không có điều kiện; chỉ quy tắc cuối cùng (mặc định) mới được không có điều kiện',
  'names one successor; a split passes the records to two or more (merge into one instead)':
    'chỉ nêu một tổ chức kế thừa; chia tách chuyển hồ sơ cho hai tổ chức trở lên (hãy sáp nhập nếu chỉ có một)',
  'is the organisation being split': 'chính là tổ chức đang được chia tách',
  'was merged or split into {id}; name the final successor': 'đã được sáp nhập hoặc chia tách vào {id}; hãy nêu tổ chức kế thừa cuối cùng',

  // Plan against actual (report targets)
  "Only the operator, or the DOST of the scope's province (its admin or editor keys), sets targets":
    'Chỉ đơn vị vận hành sàn, hoặc Sở KH&CN của tỉnh có đối tượng (khóa quản trị hoặc biên tập của Sở), mới đặt được chỉ tiêu',
  "Only the operator, or the DOST of the scope's province (its admin or editor keys), sets targets: {label} is not in this DOST's province":
    'Chỉ đơn vị vận hành sàn, hoặc Sở KH&CN của tỉnh có đối tượng (khóa quản trị hoặc biên tập của Sở), mới đặt được chỉ tiêu: {label} không thuộc tỉnh của Sở này',
  'At most {n} years in one plan report': 'Một báo cáo kế hoạch có tối đa {n} năm',
  'is more than {n} years before to': 'sớm hơn to quá {n} năm',

  // Success stories
  'A success story tells a completed transfer; this deal is {state}':
    'Câu chuyện thành công kể về một chuyển giao đã hoàn thành; giao dịch này đang ở trạng thái {state:code}',
  'The transfer already has a success story: {id}; edit that one': 'Chuyển giao này đã có câu chuyện thành công: {id}; hãy sửa câu chuyện đó',
  "Only the parties of the transfer (their writing keys, or their brokers') may write its success story":
    'Chỉ các bên của chuyển giao (khóa ghi của họ, hoặc của bên môi giới) mới viết được câu chuyện thành công của nó',
  'A reader key cannot write a success story': 'Khóa chỉ đọc không viết được câu chuyện thành công',
  'The story is {status}: only a draft is edited (retract it and draft a new one to change it)':
    'Câu chuyện đang ở trạng thái {status:code}: chỉ bản nháp mới sửa được (hãy rút lại và viết bản nháp mới để thay đổi)',
  'The story is {status}: only a draft is approved': 'Câu chuyện đang ở trạng thái {status:code}: chỉ bản nháp mới được phê duyệt',
  'The story is already retracted': 'Câu chuyện đã được rút lại',
  "A success story's photos are kept by the writing keys of the transfer's parties":
    'Ảnh của câu chuyện thành công do khóa ghi của các bên chuyển giao quản lý',
  'The story is {status}: photos are added while it is a draft': 'Câu chuyện đang ở trạng thái {status:code}: ảnh chỉ được thêm khi còn là bản nháp',
}
