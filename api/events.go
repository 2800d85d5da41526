package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// The kinds of event GET /events sends.
const (
	// EventHello opens a stream: Generation is the current generation.
	EventHello = "hello"
	// EventGeneration says what changed: Changes holds the posts, from the
	// last generation the client saw (or was greeted with) to Generation.
	EventGeneration = "generation"
	// EventResync says the changes since the client's last generation are no
	// longer kept: reload what it holds from the lists.
	EventResync = "resync"
)

// Event is one event of GET /events, decoded.
type Event struct {
	// Type is EventHello, EventGeneration or EventResync; another type a
	// later server sends comes as it is, with Data.
	Type string
	// ID is the event's id, a generation; the stream resumes after the last
	// one seen.
	ID string
	// Generation is the index generation the event brings the client to.
	Generation int64
	// Changes is the data of an EventGeneration event, else nil.
	Changes *Changes
	// Detail says why, on an EventResync event.
	Detail string
	// Data is the event's data as sent, JSON.
	Data []byte
}

// EventStream reads the events of GET /events, reconnecting when the
// connection ends: it sends Last-Event-ID with the last id seen, so the
// server first sends what was missed (one EventGeneration) or EventResync.
// Close it when done. Not safe for concurrent use.
type EventStream struct {
	c      *Client
	ctx    context.Context
	lastID string
	body   io.ReadCloser
	r      *bufio.Reader
	closed bool
	// retry is the wait before reconnecting: the server's retry field, else
	// defaultRetry; it doubles while reconnecting fails, up to maxRetry.
	retry time.Duration
}

const (
	defaultRetry = time.Second
	maxRetry     = 30 * time.Second
)

// Events calls GET /events and returns the stream, which lasts until ctx is
// done or Close. lastEventID, when not empty, resumes after that generation,
// as a reconnecting EventSource would.
func (c *Client) Events(ctx context.Context, lastEventID string) (*EventStream, error) {
	s := &EventStream{c: c, ctx: ctx, lastID: lastEventID, retry: defaultRetry}
	if err := s.connect(); err != nil {
		return nil, err
	}
	return s, nil
}

// LastEventID is the id of the last event read: what a new stream resumes
// from.
func (s *EventStream) LastEventID() string { return s.lastID }

func (s *EventStream) connect() error {
	resp, err := s.c.do(s.ctx, http.MethodGet, "/events", nil, func(r *http.Request) {
		r.Header.Set("Accept", "text/event-stream")
		if s.lastID != "" {
			r.Header.Set("Last-Event-ID", s.lastID)
		}
	})
	if err != nil {
		return err
	}
	if err := checkStatus(resp); err != nil {
		resp.Body.Close()
		return err
	}
	s.body, s.r = resp.Body, bufio.NewReader(resp.Body)
	return nil
}

// Next returns the next event, skipping comments. When the connection ends
// it reconnects, waiting between tries; it returns an error only when the
// stream's context is done, after Close, or when the server refuses the
// stream with a 4xx (a *Problem); or, with the event, when an event's data
// does not decode.
func (s *EventStream) Next() (Event, error) {
	wait := s.retry
	for {
		if s.closed {
			return Event{}, errStreamClosed
		}
		if s.body != nil {
			ev, err := s.read()
			if err == nil {
				return ev, decodeEvent(&ev)
			}
			s.body.Close()
			s.body = nil
		}
		if err := s.ctx.Err(); err != nil {
			return Event{}, err
		}
		select {
		case <-s.ctx.Done():
			return Event{}, s.ctx.Err()
		case <-time.After(wait):
		}
		err := s.connect()
		var p *Problem
		if errors.As(err, &p) && p.Status < 500 && p.Status != http.StatusTooManyRequests {
			return Event{}, err
		}
		if err != nil {
			wait = min(2*wait, maxRetry)
		}
	}
}

// read reads one event from the connection.
func (s *EventStream) read() (Event, error) {
	var ev Event
	var data [][]byte
	for {
		line, err := s.r.ReadBytes('\n')
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return Event{}, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if ev.Type == "" && data == nil {
				continue // a comment's or an id's end
			}
			ev.Data = bytes.Join(data, []byte("\n"))
			if ev.ID != "" {
				s.lastID = ev.ID
			}
			return ev, nil
		}
		if line[0] == ':' {
			continue
		}
		k, v, _ := bytes.Cut(line, []byte(":"))
		v = bytes.TrimPrefix(v, []byte(" "))
		switch string(k) {
		case "id":
			ev.ID = string(v)
		case "event":
			ev.Type = string(v)
		case "data":
			data = append(data, bytes.Clone(v))
		case "retry":
			if ms, err := strconv.Atoi(string(v)); err == nil && ms > 0 {
				s.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
}

// decodeEvent fills the typed fields of ev from its data.
func decodeEvent(ev *Event) error {
	var err error
	switch ev.Type {
	case EventGeneration:
		var ch Changes
		if err = json.Unmarshal(ev.Data, &ch); err == nil {
			ev.Changes, ev.Generation = &ch, ch.Generation
		}
	case EventHello, EventResync:
		var d struct {
			Generation int64  `json:"generation"`
			Detail     string `json:"detail"`
		}
		if err = json.Unmarshal(ev.Data, &d); err == nil {
			ev.Generation, ev.Detail = d.Generation, d.Detail
		}
	}
	if err != nil {
		return fmt.Errorf("geul: event %s %s: %w", ev.Type, ev.ID, err)
	}
	return nil
}

var errStreamClosed = errors.New("geul: event stream closed")

// Close ends the stream.
func (s *EventStream) Close() error {
	s.closed = true
	if s.body == nil {
		return nil
	}
	err := s.body.Close()
	s.body = nil
	return err
}
