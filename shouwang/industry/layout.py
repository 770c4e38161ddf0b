"""The three industry exchange files, column by column (CONTRACT §4, POLICY R-IND-02/03; docs/industry.md).
Pure: column specs only. Headers may be the canonical names or the Chinese labels (CONTRACT §2)."""

from shouwang.exchange.files import DATE, FLAG, ID, INT, MONEY, ColumnSpec

ENTITY_COLUMNS = (
    ColumnSpec("credit_code", "统一社会信用代码", required=True, aliases=("信用代码",)),
    ColumnSpec("name", "主体名称", aliases=("名称", "经营主体名称")),
    ColumnSpec("entity_type", "主体类型", aliases=("经营主体类型",)),
    ColumnSpec("level", "龙头企业级别", aliases=("级别",)),
    ColumnSpec("main_product", "主营产品", aliases=("主导产业",)),
    ColumnSpec("county_code", "县代码", aliases=("所在县代码",)),
    ColumnSpec("village_code", "行政村代码", aliases=("所在行政村代码",)),
    ColumnSpec("status", "经营状态", aliases=("登记状态",)),
    ColumnSpec("status_on", "状态日期", type=DATE, aliases=("状态变更日期",)),
    ColumnSpec("four_class", "四个一批", aliases=("四个一批分类",)),
)

BINDING_COLUMNS = (
    ColumnSpec("binding_no", "协议编号", required=True),
    ColumnSpec("credit_code", "带动主体信用代码", required=True, aliases=("经营主体统一社会信用代码",)),
    ColumnSpec("partner_credit_code", "合作社信用代码", aliases=("被绑定合作社统一社会信用代码",)),
    ColumnSpec("household_no", "户编号"),
    ColumnSpec("link_modes", "利益联结方式", required=True, aliases=("联结方式",)),
    ColumnSpec("signed_on", "签订日期", type=DATE),
    ColumnSpec("start_on", "开始日期", required=True, type=DATE, aliases=("协议开始日期",)),
    ColumnSpec("end_on", "结束日期", type=DATE, aliases=("协议结束日期",)),
    ColumnSpec("floor_price", "保底收购价", type=MONEY, aliases=("保底价",)),
    ColumnSpec("rent_per_mu", "土地流转租金", type=MONEY, aliases=("租金",)),
    ColumnSpec("dividend_ratio", "分红比例", aliases=("分红比例（%）",)),
    ColumnSpec("guaranteed_income", "保底收益", type=MONEY),
    ColumnSpec("jobs", "优先雇用人数", aliases=("带动就业人数",)),
    ColumnSpec("scale", "带动规模"),
)

PAYOUT_COLUMNS = (
    ColumnSpec("binding_no", "协议编号", required=True),
    ColumnSpec("household_no", "户编号", required=True),
    ColumnSpec("payout_type", "兑现类型", required=True),
    ColumnSpec("due_on", "应付日期", required=True, type=DATE),
    ColumnSpec("due_amount", "应付金额", required=True, type=MONEY),
    ColumnSpec("paid_on", "实付日期", type=DATE),
    ColumnSpec("paid_amount", "实付金额", type=MONEY),
    ColumnSpec("method", "支付方式"),
    ColumnSpec("voucher", "凭证号"),
)

# The bank's monthly 小额信贷 file, one row per loan (POLICY R-AID-06, R-IND-05; docs/industry.md).
LOAN_COLUMNS = (
    ColumnSpec("contract_no", "合同编号", required=True, aliases=("贷款合同编号", "借据号")),
    ColumnSpec("bank", "贷款银行", required=True, aliases=("放贷银行", "银行")),
    ColumnSpec("household_no", "户编号", required=True),
    ColumnSpec("id_number", "借款人身份证号", required=True, type=ID, aliases=("身份证号",)),
    ColumnSpec("borrower_name", "借款人姓名", aliases=("借款人",)),
    ColumnSpec("amount", "贷款金额", required=True, type=MONEY, aliases=("合同金额",)),
    ColumnSpec("start_on", "放款日期", required=True, type=DATE, aliases=("发放日期",)),
    ColumnSpec("end_on", "到期日期", required=True, type=DATE),
    ColumnSpec("rate", "年利率", aliases=("执行利率", "年利率（%）")),
    ColumnSpec("subsidy", "贴息状态"),
    ColumnSpec("purpose", "贷款用途", aliases=("用途",)),
    ColumnSpec("credit_code", "带动主体信用代码", aliases=("关联经营主体信用代码",)),
    ColumnSpec("enterprise_use", "户贷企用", type=FLAG),
    ColumnSpec("balance", "贷款余额", required=True, type=MONEY, aliases=("余额",)),
    ColumnSpec("overdue_days", "逾期天数", type=INT),
    ColumnSpec("overdue_amount", "逾期金额", type=MONEY),
    ColumnSpec("status", "贷款状态", required=True, aliases=("状态",)),
)
