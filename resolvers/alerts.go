package resolvers

import (
	"context"

	"civicledger/graph/model"
	"civicledger/ledger"
)

// The alert mutations: the same use cases as /alerts/… (package alerts),
// through portal.Alerts. Refused input is the payload's userErrors; no
// answer ever holds the address.

func alertPayload(status model.AlertStatus, msg string, err error) (*model.AlertPayload, error) {
	ue, err := userErrors(err)
	if err != nil {
		return nil, err
	}
	if len(ue) > 0 {
		return &model.AlertPayload{UserErrors: ue}, nil
	}
	return &model.AlertPayload{Status: &status, Message: &msg, UserErrors: ue}, nil
}

func (r *mutationResolver) SubscribeAlert(ctx context.Context, in model.SubscribeAlertInput) (*model.AlertPayload, error) {
	al, err := r.AlertService()
	if err != nil {
		return nil, err
	}
	err = al.SubscribeTo(ctx, ledger.ClientFrom(ctx), in.Email, str(in.Project), str(in.Search))
	return alertPayload(model.AlertStatusPending, "如地址有效，确认邮件已发送；请在 72 小时内点击邮件中的链接确认订阅。", err)
}

func (r *mutationResolver) ConfirmAlert(ctx context.Context, token string) (*model.AlertPayload, error) {
	al, err := r.AlertService()
	if err != nil {
		return nil, err
	}
	_, err = al.Confirm(ctx, token)
	return alertPayload(model.AlertStatusConfirmed, "订阅已确认：每日摘要将发送到您的邮箱。", err)
}

func (r *mutationResolver) UnsubscribeAlert(ctx context.Context, token string) (*model.AlertPayload, error) {
	al, err := r.AlertService()
	if err != nil {
		return nil, err
	}
	return alertPayload(model.AlertStatusUnsubscribed, "已退订：您的邮箱地址及其全部订阅已删除。", al.Unsubscribe(ctx, token))
}
